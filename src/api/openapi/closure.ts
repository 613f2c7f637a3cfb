// The set of component schemas a document needs: the ones its paths name and
// everything those reference, transitively.
import { refName, SCHEMA_REF_PREFIX, type Schema } from './schemas.js';

/** Every `#/components/schemas/...` name referenced anywhere inside `node`. */
export function referencedSchemaNames(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) referencedSchemaNames(child, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF_PREFIX)) out.add(refName(value));
      else referencedSchemaNames(value, out);
    }
  }
  return out;
}

/**
 * The schemas reachable from `roots`, sorted by name. Throws on a reference
 * to a schema that `schemas` lacks: a dangling $ref would break kubectl.
 */
export function schemaClosure(schemas: Record<string, Schema>, roots: Iterable<string>): Record<string, Schema> {
  const kept = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (kept.has(name)) continue;
    const schema = schemas[name];
    if (!schema) throw new Error(`OpenAPI schema ${name} is referenced but not defined`);
    kept.add(name);
    pending.push(...referencedSchemaNames(schema));
  }
  return Object.fromEntries([...kept].sort().map((name) => [name, schemas[name]]));
}
