// /openapi/v2 as kube-apiserver serves it: a Swagger 2.0 document converted
// from the v3 schemas, as JSON and as gnostic's openapi.v2.Document protobuf
// (what client-go's discovery proto-unmarshals for kubectl's validation).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../src/api/resources.js';
import { buildOpenApiV2, toSwaggerSchema, type SwaggerDocument } from '../../src/apiserver/openapi/v2.js';
import { openApiV2DocumentType } from '../../src/apiserver/openapi/v2-protobuf.js';
import type { Schema } from '../../src/api/openapi/schemas.js';

const CRONTAB: ResourceInfo = {
  ...BUILTIN_RESOURCES.find((r) => r.kind === 'ConfigMap')!,
  group: 'stable.example.com', version: 'v1', kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', singular: 'crontab', shortNames: [],
};
const CRONTAB_SCHEMAS: Record<string, Schema> = {
  'com.example.stable.v1.CronTab': {
    type: 'object',
    properties: {
      metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
      spec: { type: 'object', properties: { cronSpec: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }],
  },
  'com.example.stable.v1.CronTabList': {
    type: 'object',
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/com.example.stable.v1.CronTab' } } },
    'x-kubernetes-group-version-kind': [{ group: 'stable.example.com', version: 'v1', kind: 'CronTabList' }],
  },
};

function json(api: ReturnType<typeof buildOpenApiV2>): SwaggerDocument {
  return JSON.parse(api.document('json').body.toString('utf8')) as SwaggerDocument;
}

/** Every $ref anywhere under `node`. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) refs(child, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') out.push(value as string);
      else refs(value, out);
    }
  }
  return out;
}

describe('/openapi/v2', () => {
  const api = buildOpenApiV2(BUILTIN_RESOURCES);

  it('is a Swagger 2.0 document whose definitions carry their GVK and reference only each other', () => {
    const doc = json(api);
    assert.equal(doc.swagger, '2.0');
    const configMap = doc.definitions['io.k8s.api.core.v1.ConfigMap'];
    assert.deepEqual(configMap?.['x-kubernetes-group-version-kind'], [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
    assert.ok(doc.definitions['io.k8s.api.apps.v1.DeploymentList']);
    for (const ref of refs(doc.definitions)) {
      assert.ok(ref.startsWith('#/definitions/'), ref);
      assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], `dangling ${ref}`);
    }
    // A v3 allOf around a $ref becomes the $ref, keeping its description.
    assert.deepEqual(doc.definitions['io.k8s.api.core.v1.ConfigMap']?.properties?.metadata,
      { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" });
  });

  it('leaves open or nullable schemas untyped, and drops what v2 cannot say', () => {
    const converted = toSwaggerSchema({
      type: 'object',
      properties: {
        free: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
        maybe: { type: 'string', nullable: true } as Schema,
        port: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true } as Schema,
      },
    });
    assert.deepEqual(converted.properties, {
      free: { 'x-kubernetes-preserve-unknown-fields': true },
      maybe: {},
      port: { 'x-kubernetes-int-or-string': true },
    });
  });

  it('encodes the same document as an openapi.v2.Document, extensions as YAML', () => {
    const doc = json(api);
    const type = openApiV2DocumentType();
    const decoded = type.toObject(type.decode(api.document('protobuf').body)) as {
      swagger: string;
      definitions: { additionalProperties: Array<{ name: string; value: { Ref?: string; type?: { value: string[] }; vendorExtension?: Array<{ name: string; value: { yaml: string } }>; properties?: { additionalProperties: Array<{ name: string; value: { Ref?: string } }> } } }> };
    };
    assert.equal(decoded.swagger, '2.0');
    assert.deepEqual(decoded.definitions.additionalProperties.map((d) => d.name), Object.keys(doc.definitions));
    const configMap = decoded.definitions.additionalProperties.find((d) => d.name === 'io.k8s.api.core.v1.ConfigMap')!.value;
    assert.deepEqual(configMap.type?.value, ['object']);
    const gvk = configMap.vendorExtension?.find((e) => e.name === 'x-kubernetes-group-version-kind');
    assert.deepEqual(JSON.parse(gvk!.value.yaml), [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
    const metadata = configMap.properties?.additionalProperties.find((p) => p.name === 'metadata');
    assert.equal(metadata?.value.Ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });

  it('is built once, and again only after the served resources change', () => {
    const first = api.document('protobuf');
    assert.equal(api.document('protobuf'), first);
    const withCrd = buildOpenApiV2(BUILTIN_RESOURCES);
    const before = withCrd.document('json');
    assert.equal(json(withCrd).definitions['com.example.stable.v1.CronTab'], undefined);
    withCrd.update([...BUILTIN_RESOURCES, CRONTAB], CRONTAB_SCHEMAS);
    assert.notEqual(withCrd.document('json').etag, before.etag);
    const crontab = json(withCrd).definitions['com.example.stable.v1.CronTab'];
    assert.deepEqual(crontab?.['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
    assert.ok(json(withCrd).definitions['com.example.stable.v1.CronTabList']);
  });
});
