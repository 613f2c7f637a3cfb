// Validation of CustomResourceDefinition objects (apiextensions' 
// ValidateCustomResourceDefinition, the parts k8ts relies on): the name is
// <plural>.<group>, names are DNS labels, exactly one storage version,
// every version has a structural schema whose CEL rules compile, scale
// paths point into spec and status.
import type { FieldError, KubeObject } from '../api/types.js';
import * as field from '../api/validation/field.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/index.js';
import { asCrd, type CrdVersion, type CustomResourceDefinition } from './crd-types.js';
import { isPlainObject, type JsonSchemaProps } from './json-schema.js';
import { ruleCompileErrors } from './cel-rules.js';
import { parseJsonPath } from './json-path.js';

const SCHEMA_TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

function validateNames(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const names = crd.spec.names ?? ({} as CustomResourceDefinition['spec']['names']);
  const path = 'spec.names';
  const label = (value: string | undefined, name: string, required: boolean) => {
    if (!value) {
      if (required) errs.push(field.required(`${path}.${name}`, ''));
      return;
    }
    for (const msg of isDNS1035Label(value)) errs.push(field.invalid(`${path}.${name}`, value, msg));
  };
  label(names.plural, 'plural', true);
  label(names.singular, 'singular', true);
  (names.shortNames ?? []).forEach((s, i) => label(s, `shortNames[${i}]`, true));
  if (!names.kind) errs.push(field.required(`${path}.kind`, ''));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) errs.push(field.invalid(`${path}.kind`, names.kind, 'may have mixed case, but should otherwise match: ^[a-z][-a-z0-9]*$'));
  if (!names.listKind) errs.push(field.required(`${path}.listKind`, ''));
  else if (names.listKind === names.kind) errs.push(field.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => {
    for (const msg of isDNS1123Label(c)) errs.push(field.invalid(`${path}.categories[${i}]`, c, msg));
  });
  return errs;
}

/** The structural-schema rules k8ts needs: types are known and set where properties are. */
function validateSchemaNode(schema: JsonSchemaProps, path: string, errs: FieldError[], root: boolean): void {
  if (!isPlainObject(schema as unknown)) {
    errs.push(field.invalid(path, schema, 'must be a schema object'));
    return;
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true;
  if (schema.type === undefined && !preserve) errs.push(field.required(`${path}.type`, root ? 'must not be empty at the root' : 'must not be empty for specified object fields'));
  else if (schema.type !== undefined && !SCHEMA_TYPES.includes(schema.type)) errs.push(field.notSupported(`${path}.type`, schema.type, SCHEMA_TYPES));
  if (root && schema.type !== undefined && schema.type !== 'object') errs.push(field.invalid(`${path}.type`, schema.type, 'must be object at the root'));
  if (schema.type === 'array' && !schema.items) errs.push(field.required(`${path}.items`, 'must be specified'));
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch {
      errs.push(field.invalid(`${path}.pattern`, schema.pattern, 'must be a valid regular expression'));
    }
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'map' && !(schema['x-kubernetes-list-map-keys'] ?? []).length) {
    errs.push(field.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) validateSchemaNode(child, `${path}.properties[${name}]`, errs, false);
  if (schema.items) validateSchemaNode(schema.items, `${path}.items`, errs, false);
  if (typeof schema.additionalProperties === 'object') validateSchemaNode(schema.additionalProperties, `${path}.additionalProperties`, errs, false);
}

function validateVersion(version: CrdVersion, i: number): FieldError[] {
  const errs: FieldError[] = [];
  const path = `spec.versions[${i}]`;
  if (!version.name) errs.push(field.required(`${path}.name`, ''));
  else for (const msg of isDNS1035Label(version.name)) errs.push(field.invalid(`${path}.name`, version.name, msg));
  const schema = version.schema?.openAPIV3Schema;
  const schemaPath = `${path}.schema.openAPIV3Schema`;
  if (!schema) errs.push(field.required(schemaPath, 'schemas are required'));
  else {
    validateSchemaNode(schema, schemaPath, errs, true);
    errs.push(...ruleCompileErrors(schema, schemaPath));
  }
  const scale = version.subresources?.scale;
  if (scale) {
    const scalePath = `${path}.subresources.scale`;
    if (!scale.specReplicasPath?.startsWith('.spec.')) errs.push(field.invalid(`${scalePath}.specReplicasPath`, scale.specReplicasPath ?? '', 'should be a json path under .spec'));
    if (!scale.statusReplicasPath?.startsWith('.status.')) errs.push(field.invalid(`${scalePath}.statusReplicasPath`, scale.statusReplicasPath ?? '', 'should be a json path under .status'));
  }
  (version.additionalPrinterColumns ?? []).forEach((column, c) => {
    const columnPath = `${path}.additionalPrinterColumns[${c}]`;
    if (!column.name) errs.push(field.required(`${columnPath}.name`, ''));
    if (!['integer', 'number', 'string', 'boolean', 'date'].includes(column.type)) {
      errs.push(field.notSupported(`${columnPath}.type`, column.type, ['integer', 'number', 'string', 'boolean', 'date']));
    }
    try {
      parseJsonPath(column.jsonPath ?? '');
    } catch {
      errs.push(field.invalid(`${columnPath}.JSONPath`, column.jsonPath, 'must be a simple json path'));
    }
  });
  return errs;
}

function validateSpec(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec;
  if (!isPlainObject(spec)) return [field.required('spec', '')];
  if (!spec.group) errs.push(field.required('spec.group', ''));
  else {
    for (const msg of isDNS1123Subdomain(spec.group)) errs.push(field.invalid('spec.group', spec.group, msg));
    if (!spec.group.includes('.')) errs.push(field.invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push(field.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  errs.push(...validateNames(crd));
  const expectedName = `${spec.names?.plural}.${spec.group}`;
  if (crd.metadata.name !== expectedName) errs.push(field.invalid('metadata.name', crd.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else {
    const storage = versions.filter((v) => v.storage).length;
    if (storage !== 1) errs.push(field.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (seen.has(v.name)) errs.push(field.invalid('spec.versions', versions, 'must contain unique version names'));
      seen.add(v.name);
      errs.push(...validateVersion(v, i));
    });
    if (!versions.some((v) => v.served)) errs.push(field.invalid('spec.versions', versions, 'must have at least one served version'));
  }
  const strategy = spec.conversion?.strategy;
  if (strategy !== undefined && strategy !== 'None' && strategy !== 'Webhook') errs.push(field.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  return errs;
}

export function validateCrdCreate(obj: KubeObject): FieldError[] {
  const crd = asCrd(obj);
  return [...validateObjectMeta(crd.metadata, false, nameIsDNSSubdomain, { kubeFinalizers: false }), ...validateSpec(crd)];
}

export function validateCrdUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const crd = asCrd(obj);
  const errs = [...validateObjectMetaUpdate(crd.metadata, old.metadata, { kubeFinalizers: false }), ...validateSpec(crd)];
  const oldScope = asCrd(old).spec?.scope;
  if (oldScope && crd.spec?.scope !== oldScope) errs.push(field.invalid('spec.scope', crd.spec?.scope, 'field is immutable'));
  return errs;
}
