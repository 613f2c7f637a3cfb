// Structural defaulting: every unset property whose schema has a `default`
// gets a copy of it, recursively, as apiextensions-apiserver defaults on
// writes. A null in a field that is not nullable counts as unset: it is
// dropped, then defaulted if the schema says how.
import { isPlainObject, mapValueSchema, type JsonSchemaProps } from './json-schema.js';

function applyDefaults(value: unknown, schema: JsonSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (value[name] === null && !property.nullable) delete value[name];
    if (value[name] === undefined && property.default !== undefined) value[name] = structuredClone(property.default);
  }
  const values = mapValueSchema(schema);
  for (const [key, child] of Object.entries(value)) applyDefaults(child, schema.properties?.[key] ?? values);
}

/** Fills defaults into `obj` in place (metadata excluded). */
export function applySchemaDefaults(obj: Record<string, unknown>, schema: JsonSchemaProps): void {
  const { metadata: _metadata, ...properties } = schema.properties ?? {};
  applyDefaults(obj, { ...schema, properties });
}
