// What kube-apiserver serves under /openapi/v3: an index of group-versions,
// each pointing at its own OpenAPI 3.0 document with a content hash, and the
// documents themselves. kubectl uses them for --validate=strict (is there a
// PATCH with fieldValidation for this GVK?), for client-side apply's strategic
// merge patches and for explain.
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../../api/resources.js';
import { referencedSchemaNames, schemaClosure } from '../../api/openapi/closure.js';
import { componentSchemas, gvkKey, schemaNameForGvk, schemaNamesByGvk, type Schema } from '../../api/openapi/schemas.js';
import { groupVersionPath } from './naming.js';
import { groupVersionRootPath, resourcePaths, type PathItem } from './paths.js';

export interface OpenApiV3Options {
  /**
   * Component schemas beyond the built-in ones (e.g. generated from a CRD),
   * found by their x-kubernetes-group-version-kind like the built-ins.
   */
  extraSchemas?: Record<string, Schema>;
  /** info.version of every document. */
  serverVersion?: string;
}

export interface OpenApiV3Document {
  body: Buffer;
  /** Uppercase hex SHA-512 of `body`, unquoted: the ?hash= of the index and the ETag. */
  etag: string;
}

export interface OpenApiV3 {
  /** The body of GET /openapi/v3. */
  index(): { paths: Record<string, { serverRelativeURL: string }> };
  /** The document of "api/v1" or "apis/<group>/<version>", or undefined if there is no such group-version. */
  document(gvPath: string): OpenApiV3Document | undefined;
  /**
   * Serve another set of resources and extra schemas (CRDs come and go);
   * cached documents of the group-versions not named stay as they are.
   */
  update(resources: ResourceInfo[], extraSchemas: Record<string, Schema>, changedGvPaths: string[]): void;
}

/** kube-openapi's handler3 hashes the marshalled document with SHA-512 and prints it with %X. */
function contentHash(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

/** JSON with object keys sorted, as Go's encoding/json writes maps: the hash must not depend on build order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const record = node as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
  });
}

function byGroupVersion(resources: ResourceInfo[]): Map<string, ResourceInfo[]> {
  const resourcesByGv = new Map<string, ResourceInfo[]>();
  for (const resource of resources) {
    const key = groupVersionPath(resource.group, resource.version);
    resourcesByGv.set(key, [...(resourcesByGv.get(key) ?? []), resource]);
  }
  return resourcesByGv;
}

export function buildOpenApiV3(resources: ResourceInfo[], options: OpenApiV3Options = {}): OpenApiV3 {
  let extraSchemas = options.extraSchemas ?? {};
  let extraByGvk = schemaNamesByGvk(extraSchemas);
  let resourcesByGv = byGroupVersion(resources);
  const cache = new Map<string, OpenApiV3Document>();

  function schemaName(group: string, version: string, kind: string): string | undefined {
    return extraByGvk.get(gvkKey(group, version, kind)) ?? schemaNameForGvk(group, version, kind);
  }

  function build(gvResources: ResourceInfo[]): OpenApiV3Document {
    const { group, version } = gvResources[0];
    const paths: Record<string, PathItem> = groupVersionRootPath(group, version);
    for (const resource of gvResources) {
      const object = schemaName(group, version, resource.kind);
      const list = schemaName(group, version, resource.listKind);
      // A kind without a schema cannot be described (no $ref to point at);
      // kubectl then treats the server as not supporting fieldValidation for it.
      if (!object || !list) continue;
      const custom = extraByGvk.has(gvkKey(group, version, resource.kind));
      Object.assign(paths, resourcePaths(resource, { object, list, strategicMerge: !custom }));
    }
    const allSchemas = { ...componentSchemas(), ...extraSchemas };
    const document = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: options.serverVersion ?? 'unversioned' },
      paths,
      components: {
        schemas: schemaClosure(allSchemas, referencedSchemaNames(paths)),
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      },
      security: [{ BearerToken: [] }],
    };
    const body = Buffer.from(canonicalJson(document));
    return { body, etag: contentHash(body) };
  }

  function document(gvPath: string): OpenApiV3Document | undefined {
    const cached = cache.get(gvPath);
    if (cached) return cached;
    const gvResources = resourcesByGv.get(gvPath);
    if (!gvResources) return undefined;
    const built = build(gvResources);
    cache.set(gvPath, built);
    return built;
  }

  function index(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gvPath of [...resourcesByGv.keys()].sort()) {
      const { etag } = document(gvPath) as OpenApiV3Document;
      paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${etag}` };
    }
    return { paths };
  }

  function update(nextResources: ResourceInfo[], nextExtraSchemas: Record<string, Schema>, changedGvPaths: string[]): void {
    resourcesByGv = byGroupVersion(nextResources);
    extraSchemas = nextExtraSchemas;
    extraByGvk = schemaNamesByGvk(extraSchemas);
    for (const gvPath of changedGvPaths) cache.delete(gvPath);
  }

  return { index, document, update };
}
