// The strategy of one served version of a CRD: a kind whose defaults,
// validation, pruning, subresources and table columns all come from the
// CRD rather than from code, as apiextensions-apiserver's customResourceStrategy.
import type { KindStrategy } from '../api/strategy.js';
import type { FieldError, KubeObject } from '../api/types.js';
import { ALL_VERBS, type ResourceInfo, type ScaleSubresource } from '../api/resources.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/index.js';
import { fieldSelectorValue } from '../api/object-paths.js';
import { jsonPathSegments, storageVersionOf, type CrdVersion, type CustomResourceDefinition } from './crd-types.js';
import type { JsonSchemaProps } from './json-schema.js';
import { pruneUnknownFields } from './pruning.js';
import { applySchemaDefaults } from './defaulting.js';
import { validateAgainstSchema } from './schema-validation.js';
import { validateCelRules } from './cel-rules.js';
import { printerForColumns } from './printer-columns.js';

/** The resource a CRD version serves, as discovery and the registry see it. */
export function customResourceInfo(crd: CustomResourceDefinition, version: CrdVersion): ResourceInfo {
  const names = crd.spec.names;
  const scale = version.subresources?.scale;
  const scaleInfo: ScaleSubresource | undefined = scale
    ? {
        specReplicasPath: jsonPathSegments(scale.specReplicasPath),
        statusReplicasPath: jsonPathSegments(scale.statusReplicasPath),
        labelSelectorPath: scale.labelSelectorPath ? jsonPathSegments(scale.labelSelectorPath) : [],
      }
    : undefined;
  return {
    group: crd.spec.group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    namespaced: crd.spec.scope === 'Namespaced',
    verbs: ALL_VERBS,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    hasStatus: version.subresources?.status !== undefined,
    scale: scaleInfo,
    selectableFields: (version.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
  };
}

/** The version's schema, or one that keeps everything (a CRD without a schema is not structural, but be lenient). */
export function versionSchema(version: CrdVersion): JsonSchemaProps {
  return version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

export function customResourceStrategy(crd: CustomResourceDefinition, version: CrdVersion): KindStrategy {
  const info = customResourceInfo(crd, version);
  const schema = versionSchema(version);
  const storage = storageVersionOf(crd);
  const storageApiVersion = storage && storage !== version.name ? `${crd.spec.group}/${storage}` : undefined;

  const normalise = (obj: KubeObject) => {
    pruneUnknownFields(obj, schema);
    applySchemaDefaults(obj, schema);
  };
  const validateBody = (obj: KubeObject, old: KubeObject | undefined): FieldError[] => {
    const errors = validateAgainstSchema(obj, schema);
    // Rules see well-typed values only, as the CEL validator runs on the schema-valid object.
    if (errors.length === 0) errors.push(...validateCelRules(obj, old, schema));
    return errors;
  };

  return {
    info,
    tracksGeneration: true,
    table: printerForColumns(version.additionalPrinterColumns),
    storageApiVersion,
    openApiSchema: schema,
    defaults: normalise,
    prepareForCreate(obj) {
      // With a status subresource, status is written only through it.
      if (info.hasStatus) delete obj.status;
    },
    prepareForUpdate: normalise,
    validateCreate(obj) {
      return [...validateObjectMeta(obj.metadata, info.namespaced, nameIsDNSSubdomain, { kubeFinalizers: false }), ...validateBody(obj, undefined)];
    },
    validateUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata, { kubeFinalizers: false }), ...validateBody(obj, old)];
    },
    unknownFields(obj) {
      return pruneUnknownFields(structuredClone(obj), schema);
    },
    fieldValues(obj) {
      const values: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
      if (info.namespaced) values['metadata.namespace'] = obj.metadata.namespace ?? '';
      for (const path of info.selectableFields) values[path] = fieldSelectorValue(obj, path);
      return values;
    },
  };
}
