// Unknown-field detection for fieldValidation=Strict. kube-apiserver finds
// these while decoding JSON into Go structs (sigs.k8s.io/json): a key no
// struct field is tagged with is an unknown field, reported by its path from
// the object's root, `spec.template.spec.containers[0].foo`: fields and map
// keys joined with ".", list indices in brackets. Here the Go structs are
// stood in for by their OpenAPI schemas.
import { componentSchemas, refName, type Schema } from '../../api/openapi/schemas.js';

const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** A schema with its `$ref`s and `allOf`s followed: what a decoder would see. */
interface ResolvedSchema {
  properties: Record<string, Schema>;
  /** The schema of a map's values. */
  mapValues?: Schema;
  items?: Schema;
  /** The value is decoded by hand (RawExtension, IntOrString) or kept as is: nothing inside is unknown. */
  opaque: boolean;
  /** Keys outside `properties` are kept rather than reported (x-kubernetes-preserve-unknown-fields). */
  preserveUnknown: boolean;
  /** An embedded object: apiVersion, kind and metadata are implied (x-kubernetes-embedded-resource). */
  embeddedResource: boolean;
}

// Per schema set, because a $ref means whatever that set defines under the name.
const resolvedCache = new WeakMap<Record<string, Schema>, WeakMap<Schema, ResolvedSchema>>();

function resolve(schema: Schema, schemas: Record<string, Schema>): ResolvedSchema {
  let cache = resolvedCache.get(schemas);
  if (!cache) {
    cache = new WeakMap();
    resolvedCache.set(schemas, cache);
  }
  const cached = cache.get(schema);
  if (cached) return cached;
  const resolved: ResolvedSchema = {
    properties: { ...schema.properties },
    mapValues: typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined,
    items: schema.items,
    opaque: schema['x-kubernetes-int-or-string'] === true || schema.additionalProperties === true,
    preserveUnknown: schema['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: schema['x-kubernetes-embedded-resource'] === true,
  };
  const referenced: Schema[] = [...(schema.allOf ?? [])];
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (name === RAW_EXTENSION) resolved.opaque = true;
    const target = schemas[name];
    if (target) referenced.push(target);
  }
  for (const part of referenced) {
    const inner = resolve(part, schemas);
    Object.assign(resolved.properties, inner.properties);
    resolved.mapValues ??= inner.mapValues;
    resolved.items ??= inner.items;
    resolved.opaque ||= inner.opaque;
    resolved.preserveUnknown ||= inner.preserveUnknown;
    resolved.embeddedResource ||= inner.embeddedResource;
  }
  cache.set(schema, resolved);
  return resolved;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

class UnknownFieldFinder {
  readonly found: string[] = [];

  constructor(private readonly schemas: Record<string, Schema>) {}

  visit(value: unknown, schema: Schema, path: string, isRoot = false): void {
    const resolved = resolve(schema, this.schemas);
    if (resolved.opaque) return;
    if (Array.isArray(value)) {
      if (resolved.items) value.forEach((item, index) => this.visit(item, resolved.items as Schema, `${path}[${index}]`));
      return;
    }
    if (!isRecord(value)) return;
    const hasProperties = Object.keys(resolved.properties).length > 0;
    // An object schema with neither properties nor a value schema is a Go
    // type with its own decoding (FieldsV1, Patch, JSON) or none at all.
    if (!hasProperties && !resolved.mapValues) return;
    const typeMetaImplied = isRoot || resolved.embeddedResource;
    for (const [key, child] of Object.entries(value)) {
      const childPath = fieldPath(path, key);
      const property = resolved.properties[key];
      if (property) this.visit(child, property, childPath);
      else if (resolved.mapValues) this.visit(child, resolved.mapValues, childPath);
      else if (typeMetaImplied && (key === 'apiVersion' || key === 'kind')) continue;
      else if (typeMetaImplied && key === 'metadata') this.visitMetadata(child, childPath, isRoot);
      else if (!resolved.preserveUnknown) this.found.push(childPath);
    }
  }

  /** metadata missing from a (CRD) schema is still ObjectMeta at the root; an embedded one is kept as is. */
  private visitMetadata(value: unknown, path: string, isRoot: boolean): void {
    const objectMeta = this.schemas[OBJECT_META];
    if (isRoot && objectMeta) this.visit(value, objectMeta, path);
  }
}

/**
 * The paths of the fields in `obj` that the schema `schemaName` (a component
 * schema name such as io.k8s.api.apps.v1.Deployment) does not declare, in
 * document order, formatted as kube-apiserver's strict decoding names them.
 * apiVersion, kind and metadata are always known at the top level.
 */
export function findUnknownFields(obj: unknown, schemaName: string, schemas: Record<string, Schema> = componentSchemas()): string[] {
  const schema = schemas[schemaName];
  if (!schema) throw new Error(`no OpenAPI schema named ${schemaName}`);
  const finder = new UnknownFieldFinder(schemas);
  finder.visit(obj, schema, '', true);
  // sigs.k8s.io/json reports each path once.
  return [...new Set(finder.found)];
}

/** kube-apiserver's message for them: `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`. */
export function strictDecodingMessage(paths: string[]): string {
  return `strict decoding error: ${paths.map((path) => `unknown field "${path}"`).join(', ')}`;
}
