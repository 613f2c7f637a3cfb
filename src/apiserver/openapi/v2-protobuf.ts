// The Swagger document as gnostic's openapi.v2.Document protobuf, the form
// client-go's discovery OpenAPISchema() asks for and proto-unmarshals. The
// message schema is extracted from kubectl by scripts/gen-openapi-v2-proto.mjs
// and loaded on first use.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { SwaggerDocument, SwaggerSchema } from './v2.js';

// Resolved from the project root, as the other generated schemas are, so the
// same path works from src/ (tsx) and from dist/.
const SCHEMA_FILE = new URL('../../../src/api/protobuf/openapiv2-proto.json.gz', import.meta.url);

let documentType: protobuf.Type | undefined;

/** gnostic's openapi.v2.Document message type. */
export function openApiV2DocumentType(): protobuf.Type {
  if (!documentType) {
    const file = JSON.parse(gunzipSync(readFileSync(SCHEMA_FILE)).toString('utf8')) as { nested: protobuf.INamespace['nested'] };
    const root = protobuf.Root.fromJSON({ nested: file.nested });
    root.resolveAll();
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

/**
 * openapi.v2.Any: gnostic keeps extension values, defaults and enum members
 * as YAML text, which kube-openapi parses with yaml.v2. JSON is YAML, and
 * quoting every string keeps YAML 1.1 from reading "on" or "no" as booleans.
 */
function yamlAny(value: unknown): { yaml: string } {
  return { yaml: JSON.stringify(value) };
}

// Schema keywords that map one to one onto openapi.v2.Schema scalar fields,
// by the JSON type the field takes. A value of another type (v3's object
// `discriminator`, say) has no v2 form and is left out rather than mis-encoded.
const SCALAR_FIELDS: Record<string, 'string' | 'number' | 'boolean'> = {
  format: 'string', title: 'string', description: 'string', pattern: 'string', discriminator: 'string',
  multipleOf: 'number', maximum: 'number', minimum: 'number', maxLength: 'number', minLength: 'number',
  maxItems: 'number', minItems: 'number', maxProperties: 'number', minProperties: 'number',
  exclusiveMaximum: 'boolean', exclusiveMinimum: 'boolean', uniqueItems: 'boolean', readOnly: 'boolean',
};

function schemaMessage(schema: SwaggerSchema): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  const extensions: Array<{ name: string; value: { yaml: string } }> = [];
  if (schema.$ref !== undefined) message.Ref = schema.$ref;
  for (const [field, type] of Object.entries(SCALAR_FIELDS)) if (typeof schema[field] === type) message[field] = schema[field];
  if (schema.default !== undefined) message.default = yamlAny(schema.default);
  if (schema.example !== undefined) message.example = yamlAny(schema.example);
  if (schema.enum) message.enum = schema.enum.map(yamlAny);
  if (schema.required) message.required = schema.required;
  if (schema.type !== undefined) message.type = { value: [schema.type] };
  if (schema.items) message.items = { schema: [schemaMessage(schema.items)] };
  if (schema.allOf) message.allOf = schema.allOf.map(schemaMessage);
  if (schema.properties) message.properties = { additionalProperties: namedSchemas(schema.properties) };
  if (schema.additionalProperties !== undefined) {
    message.additionalProperties = typeof schema.additionalProperties === 'boolean'
      ? { boolean: schema.additionalProperties }
      : { schema: schemaMessage(schema.additionalProperties) };
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') && value !== undefined) extensions.push({ name: key, value: yamlAny(value) });
  }
  if (extensions.length > 0) message.vendorExtension = extensions;
  return message;
}

function namedSchemas(schemas: Record<string, SwaggerSchema>): Array<{ name: string; value: Record<string, unknown> }> {
  return Object.entries(schemas).map(([name, value]) => ({ name, value: schemaMessage(value) }));
}

export function encodeSwaggerProtobuf(document: SwaggerDocument): Buffer {
  const type = openApiV2DocumentType();
  const message = {
    swagger: document.swagger,
    info: document.info,
    paths: {},
    definitions: { additionalProperties: namedSchemas(document.definitions) },
    securityDefinitions: {
      additionalProperties: Object.entries(document.securityDefinitions).map(([name, scheme]) => ({
        name,
        value: { apiKeySecurity: { type: scheme.type, name: scheme.name, in: scheme.in, description: scheme.description } },
      })),
    },
    security: document.security.map((requirement) => ({
      additionalProperties: Object.entries(requirement).map(([name, scopes]) => ({ name, value: { value: scopes } })),
    })),
  };
  // The message is built in the generated type's own shape (camelCase names,
  // wrapper messages), so it is encoded as it is: verify() and fromObject()
  // would double the cost of a ~400 KB document. test/openapi/v2.test.ts
  // decodes it back.
  return Buffer.from(type.encode(message).finish());
}
