// What kube-apiserver serves under /openapi/v2: one Swagger 2.0 document
// with every served kind's definitions. kubectl still needs it: client-side
// validation of a `kind: List` (v1/List has no endpoint, so no server-side
// fieldValidation) looks items up in this document by their
// x-kubernetes-group-version-kind. The definitions are converted from the
// OpenAPI v3 component schemas the server already has. The paths are left
// empty: kubectl reads only definitions from v2 when v3 is served.
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../../api/resources.js';
import { schemaClosure } from '../../api/openapi/closure.js';
import { componentSchemas, gvkKey, SCHEMA_REF_PREFIX, schemaNameForGvk, schemaNamesByGvk, type Schema } from '../../api/openapi/schemas.js';
import { encodeSwaggerProtobuf } from './v2-protobuf.js';

/**
 * The Content-Type of the protobuf form. client-go asks for
 * `...spec.v2@v1.0+protobuf`, but '@' is no MIME token character and Go's
 * mime.ParseMediaType rejects it in a response, so kube-openapi answers with
 * this spelling.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const DEFINITIONS_REF_PREFIX = '#/definitions/';

/** A Swagger 2.0 schema object: the v3 subset Kubernetes uses, minus what v2 lacks. */
export type SwaggerSchema = Omit<Schema, 'allOf' | 'items' | 'properties' | 'additionalProperties'> & {
  allOf?: SwaggerSchema[];
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: SwaggerSchema | boolean;
  [key: string]: unknown;
};

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, SwaggerSchema>;
  securityDefinitions: Record<string, { type: string; description: string; name: string; in: string }>;
  security: Array<Record<string, string[]>>;
}

export interface OpenApiV2Body {
  body: Buffer;
  /** Uppercase hex SHA-512 of `body`, as kube-openapi's handler sets the ETag. */
  etag: string;
}

export interface OpenApiV2 {
  /** The body of GET /openapi/v2 as JSON or as gnostic's openapi.v2.Document protobuf; built on first use. */
  document(format: 'json' | 'protobuf'): OpenApiV2Body;
  /** Serve another set of resources and extra (CRD) schemas: drops the cached bodies. */
  update(resources: ResourceInfo[], extraSchemas: Record<string, Schema>): void;
}

// OpenAPI 3 keywords with no Swagger 2.0 counterpart. kube-apiserver drops
// them from the CRD schemas it publishes in v2 as well.
const V3_ONLY = new Set(['anyOf', 'oneOf', 'not', 'nullable']);

/** One v3 schema node as Swagger 2.0. */
export function toSwaggerSchema(schema: Schema): SwaggerSchema {
  // kube-openapi's v3 wraps a $ref in allOf only to give it a description or
  // default; v2 (and kubectl's parser, which rejects an allOf-only node as
  // untyped) wants the $ref itself, with the description beside it.
  if (schema.allOf?.length === 1 && schema.allOf[0]!.$ref && !schema.type && !schema.properties) {
    const ref: SwaggerSchema = { $ref: swaggerRef(schema.allOf[0]!.$ref) };
    if (schema.description !== undefined) ref.description = schema.description;
    return ref;
  }
  // An object that keeps unknown fields (CRDs) or may be null must not be
  // typed or closed in v2: kubectl would reject what the server accepts.
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const nullable = (schema as { nullable?: unknown }).nullable === true;
  const out: SwaggerSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (V3_ONLY.has(key) || value === undefined) continue;
    if (key === '$ref') out.$ref = swaggerRef(value as string);
    else if (key === 'type') {
      if (!open && !nullable) out.type = value as string;
    } else if (key === 'properties') {
      if (!open) out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, toSwaggerSchema(child)]));
    } else if (key === 'items') {
      if (!open) out.items = toSwaggerSchema(value as Schema);
    } else if (key === 'additionalProperties') {
      if (!open) out.additionalProperties = typeof value === 'boolean' ? value : toSwaggerSchema(value as Schema);
    } else if (key === 'allOf') out.allOf = (value as Schema[]).map(toSwaggerSchema);
    else out[key] = value;
  }
  return out;
}

function swaggerRef(ref: string): string {
  return ref.startsWith(SCHEMA_REF_PREFIX) ? DEFINITIONS_REF_PREFIX + ref.slice(SCHEMA_REF_PREFIX.length) : ref;
}

/** The Swagger document for these resources: their object and list definitions and everything those reference. */
export function buildSwaggerDocument(resources: ResourceInfo[], extraSchemas: Record<string, Schema>, serverVersion = 'unversioned'): SwaggerDocument {
  const extraByGvk = schemaNamesByGvk(extraSchemas);
  const roots = new Set<string>();
  for (const { group, version, kind, listKind } of resources) {
    for (const k of [kind, listKind]) {
      const name = extraByGvk.get(gvkKey(group, version, k)) ?? schemaNameForGvk(group, version, k);
      if (name) roots.add(name);
    }
  }
  const closure = schemaClosure({ ...componentSchemas(), ...extraSchemas }, roots);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths: {},
    definitions: Object.fromEntries(Object.entries(closure).map(([name, schema]) => [name, toSwaggerSchema(schema)])),
    securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

function withEtag(body: Buffer): OpenApiV2Body {
  return { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

export function buildOpenApiV2(resources: ResourceInfo[], options: { extraSchemas?: Record<string, Schema>; serverVersion?: string } = {}): OpenApiV2 {
  let current = resources;
  let extraSchemas = options.extraSchemas ?? {};
  // Only the encoded bodies are kept, not the document object: they are what
  // requests need, and far smaller on the heap.
  const cache = new Map<'json' | 'protobuf', OpenApiV2Body>();

  function document(format: 'json' | 'protobuf'): OpenApiV2Body {
    const cached = cache.get(format);
    if (cached) return cached;
    const swagger = buildSwaggerDocument(current, extraSchemas, options.serverVersion);
    const built = withEtag(format === 'json' ? Buffer.from(JSON.stringify(swagger)) : encodeSwaggerProtobuf(swagger));
    cache.set(format, built);
    return built;
  }

  function update(nextResources: ResourceInfo[], nextExtraSchemas: Record<string, Schema>): void {
    current = nextResources;
    extraSchemas = nextExtraSchemas;
    cache.clear();
  }

  return { document, update };
}
