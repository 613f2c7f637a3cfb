// Pruning: fields a structural schema does not declare are dropped, as
// apiextensions-apiserver does on every write, unless the schema keeps them
// (x-kubernetes-preserve-unknown-fields). At the root and in embedded
// resources apiVersion, kind and metadata are always kept.
import { isPlainObject, mapValueSchema, type JsonSchemaProps } from './json-schema.js';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

function prune(value: unknown, schema: JsonSchemaProps | undefined, keepTypeMeta: boolean, pruned: string[], path: string): void {
  if (!schema || schema['x-kubernetes-int-or-string']) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => prune(item, schema.items, schema.items!['x-kubernetes-embedded-resource'] === true, pruned, `${path}[${i}]`));
    return;
  }
  if (!isPlainObject(value)) return;
  const values = mapValueSchema(schema);
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const property = schema.properties?.[key] ?? values;
    if (property) {
      prune(value[key], property, property['x-kubernetes-embedded-resource'] === true, pruned, childPath);
    } else if (keepTypeMeta && TYPE_META.has(key)) {
      continue;
    } else if (!preserve) {
      delete value[key];
      pruned.push(childPath);
    }
  }
}

/** Removes undeclared fields from `obj` in place; returns their paths (for warnings). */
export function pruneUnknownFields(obj: Record<string, unknown>, schema: JsonSchemaProps): string[] {
  const pruned: string[] = [];
  const rootSchema: JsonSchemaProps = { ...schema, properties: { ...schema.properties } };
  // metadata at the root is ObjectMeta, never pruned by the CRD schema.
  delete rootSchema.properties!.metadata;
  prune(obj, rootSchema, true, pruned, '');
  return pruned;
}
