// The OpenAPI v3 component schemas of a CRD version, named as
// kube-apiserver names them (the group reversed: com.example.stable.v1.CronTab)
// and tagged with their GVK, so kubectl finds them for explain, strict field
// validation and apply.
import type { Schema } from '../api/openapi/schemas.js';
import { SCHEMA_REF_PREFIX } from '../api/openapi/schemas.js';
import type { CrdVersion, CustomResourceDefinition } from './crd-types.js';
import { versionSchema } from './custom-resource-strategy.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const API_VERSION_DESCRIPTION = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

export function schemaNamePrefix(group: string, version: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.`;
}

export function customResourceSchemas(crd: CustomResourceDefinition, version: CrdVersion): Record<string, Schema> {
  const { group, names } = crd.spec;
  const prefix = schemaNamePrefix(group, version.name);
  const objectName = `${prefix}${names.kind}`;
  const listKind = names.listKind ?? `${names.kind}List`;
  const schema = structuredClone(versionSchema(version)) as Schema;
  const object: Schema = {
    ...schema,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
      kind: { type: 'string', description: KIND_DESCRIPTION },
      metadata: { allOf: [{ $ref: `${SCHEMA_REF_PREFIX}${META}ObjectMeta` }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      ...Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => k !== 'metadata' && k !== 'apiVersion' && k !== 'kind')),
    },
    'x-kubernetes-group-version-kind': [{ group, version: version.name, kind: names.kind }],
  };
  const list: Schema = {
    type: 'object',
    description: `${listKind} is a list of ${names.kind}`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
      items: { type: 'array', description: `List of ${names.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, items: { $ref: `${SCHEMA_REF_PREFIX}${objectName}` } },
      kind: { type: 'string', description: KIND_DESCRIPTION },
      metadata: { allOf: [{ $ref: `${SCHEMA_REF_PREFIX}${META}ListMeta` }], description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' },
    },
    'x-kubernetes-group-version-kind': [{ group, version: version.name, kind: listKind }],
  };
  return { [objectName]: object, [`${prefix}${listKind}`]: list };
}
