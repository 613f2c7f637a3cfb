// The CustomResourceDefinition kind itself: catalogue entry and strategy
// (defaults, the status it starts with, validation, table).
import type { KindStrategy } from '../api/strategy.js';
import { ALL_VERBS, type ResourceInfo } from '../api/resources.js';
import { defaultPrinter } from '../api/tables/index.js';
import { asCrd, CLEANUP_FINALIZER, CRD_GROUP, storageVersionOf } from './crd-types.js';
import { validateCrdCreate, validateCrdUpdate } from './crd-validation.js';
import { isPlainObject } from './json-schema.js';
import { componentSchemas, type Schema } from '../api/openapi/schemas.js';
import { findUnknownFields } from '../apiserver/openapi/unknown-fields.js';

const V1 = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

let schemasWithNewerFields: Record<string, Schema> | undefined;

/**
 * The generated schemas are Kubernetes v1.27's; v1.28-1.32 added fields to
 * CRDs (selectableFields, rule reason/fieldPath/optionalOldSelf) that must
 * not count as unknown.
 */
function crdSchemas(): Record<string, Schema> {
  if (!schemasWithNewerFields) {
    const base = componentSchemas();
    const version = base[`${V1}CustomResourceDefinitionVersion`]!;
    const rule = base[`${V1}ValidationRule`]!;
    schemasWithNewerFields = {
      ...base,
      [`${V1}SelectableField`]: { type: 'object', required: ['jsonPath'], properties: { jsonPath: { type: 'string', description: 'jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.' } } },
      [`${V1}CustomResourceDefinitionVersion`]: {
        ...version,
        properties: {
          ...version.properties,
          selectableFields: { type: 'array', description: 'selectableFields specifies paths to fields that may be used as field selectors.', items: { $ref: `#/components/schemas/${V1}SelectableField` }, 'x-kubernetes-list-type': 'atomic' },
        },
      },
      [`${V1}ValidationRule`]: {
        ...rule,
        properties: {
          ...rule.properties,
          reason: { type: 'string', description: 'reason provides a machine-readable validation failure reason that is returned to the caller when a request fails this validation rule.' },
          fieldPath: { type: 'string', description: 'fieldPath represents the field path returned when the validation fails.' },
          optionalOldSelf: { type: 'boolean', description: 'optionalOldSelf is used to opt a transition rule into evaluation even when the object is first created.' },
        },
      },
    };
  }
  return schemasWithNewerFields;
}

export const CRD_RESOURCE: ResourceInfo = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  verbs: ALL_VERBS,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  hasStatus: true,
  selectableFields: [],
};

export function crdStrategy(): KindStrategy {
  return {
    info: CRD_RESOURCE,
    tracksGeneration: true,
    table: defaultPrinter,
    defaults(obj) {
      const spec = obj.spec;
      if (!isPlainObject(spec)) return;
      const crd = asCrd(obj);
      crd.spec.conversion ??= { strategy: 'None' };
      const names = crd.spec.names;
      if (isPlainObject(names) && typeof names.kind === 'string') {
        names.singular ||= names.kind.toLowerCase();
        names.listKind ||= `${names.kind}List`;
      }
    },
    prepareForCreate(obj) {
      const crd = asCrd(obj);
      const storage = isPlainObject(crd.spec) && Array.isArray(crd.spec.versions) ? storageVersionOf(crd) : undefined;
      crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage] : [] };
      // Custom resources go before their CRD: the CRD controller removes this once they are deleted.
      const finalizers = crd.metadata.finalizers ?? [];
      if (!finalizers.includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
    },
    prepareForUpdate(obj, old) {
      const crd = asCrd(obj);
      const storage = isPlainObject(crd.spec) && Array.isArray(crd.spec.versions) ? storageVersionOf(crd) : undefined;
      const stored = asCrd(old).status?.storedVersions ?? [];
      if (storage && crd.status && !stored.includes(storage)) crd.status.storedVersions = [...stored, storage];
    },
    validateCreate: validateCrdCreate,
    validateUpdate: validateCrdUpdate,
    fieldValues: (obj) => ({ 'metadata.name': obj.metadata.name ?? '' }),
    unknownFields: (obj) => findUnknownFields(obj, `${V1}CustomResourceDefinition`, crdSchemas()),
  };
}
