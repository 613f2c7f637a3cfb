// Kubernetes' protobuf schemas for the groups k8ts serves, as extracted from
// the kubectl binary by scripts/gen-protobuf.mjs. Loaded once, on first use:
// only clients that send protobuf (kubectl's typed clients) need them.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

// Resolved from the project root, as the OpenAPI schemas are, so the same
// path works from src/ (tsx) and from dist/, which tsc doesn't copy data into.
const SCHEMA_FILE = new URL('../../../src/api/protobuf/kubernetes-proto.json.gz', import.meta.url);

/** Protobuf packages of the apimachinery types every API group builds on. */
export const META_V1_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';
export const RUNTIME_PACKAGE = 'k8s.io.apimachinery.pkg.runtime';

/** Where the schemas came from, as recorded by the generator. */
export interface ProtobufSchemaSource {
  generator: string;
  binary: string;
  sha256: string;
  kubectlVersion: { gitVersion: string; [key: string]: unknown };
  files: string[];
  inlineFields: string[];
}

interface SchemaFile {
  'x-k8ts-source': ProtobufSchemaSource;
  nested: protobuf.INamespace['nested'];
}

let loaded: { root: protobuf.Root; source: ProtobufSchemaSource } | undefined;

function load(): { root: protobuf.Root; source: ProtobufSchemaSource } {
  if (!loaded) {
    const file = JSON.parse(gunzipSync(readFileSync(SCHEMA_FILE)).toString('utf8')) as SchemaFile;
    const root = protobuf.Root.fromJSON({ nested: file.nested });
    root.resolveAll();
    loaded = { root, source: file['x-k8ts-source'] };
  }
  return loaded;
}

export function protobufSchemaSource(): ProtobufSchemaSource {
  return load().source;
}

/** A message type by its full protobuf name, e.g. `k8s.io.api.apps.v1.Deployment`. */
export function protobufType(fullName: string): protobuf.Type | undefined {
  const found = load().root.lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}

// API group → the protobuf package of k8s.io/api/<dir>/<version>. Most groups
// are named after their directory plus a DNS suffix; these are the others.
const GROUP_PACKAGE_PREFIX: Record<string, string> = {
  '': 'k8s.io.api.core',
  'rbac.authorization.k8s.io': 'k8s.io.api.rbac',
};

function packageFor(group: string, version: string): string {
  const prefix = GROUP_PACKAGE_PREFIX[group] ?? `k8s.io.api.${group.split('.')[0]}`;
  return `${prefix}.${version}`;
}

/**
 * The message type for an object of this apiVersion and kind. Option kinds
 * (DeleteOptions, …) are registered in every group but defined in meta/v1.
 */
export function protobufTypeForKind(apiVersion: string, kind: string): protobuf.Type | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v[a-z0-9]+$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  return protobufType(`${packageFor(group, version)}.${kind}`) ?? protobufType(`${META_V1_PACKAGE}.${kind}`);
}
