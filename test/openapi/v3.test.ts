// /openapi/v3 as kube-apiserver serves it: an index with content hashes and
// one OpenAPI 3.0 document per group-version, shaped for kubectl.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../src/api/resources.js';
import { buildOpenApiV3 } from '../../src/apiserver/openapi/v3.js';
import { referencedSchemaNames } from '../../src/api/openapi/closure.js';

interface Parameter { name: string; in: string }
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, unknown> };
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components: { schemas: Record<string, unknown> };
}

const api = buildOpenApiV3(BUILTIN_RESOURCES);

function parsed(gvPath: string): Document {
  const doc = api.document(gvPath);
  assert.ok(doc, gvPath);
  return JSON.parse(doc.body.toString('utf8')) as Document;
}

function operation(doc: Document, path: string, method: string): Operation {
  const op = doc.paths[path]?.[method] as Operation | undefined;
  assert.ok(op, `${method} ${path}`);
  return op;
}

describe('/openapi/v3', () => {
  it('indexes every group-version with the SHA-512 of its document', () => {
    const { paths } = api.index();
    assert.deepEqual(Object.keys(paths), [
      'api/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/batch/v1',
      'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/policy/v1',
    ]);
    const doc = api.document('apis/apps/v1');
    assert.ok(doc);
    const hash = createHash('sha512').update(doc.body).digest('hex').toUpperCase();
    assert.equal(doc.etag, hash);
    assert.equal(paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${hash}`);
  });

  it('builds each document once', () => {
    assert.equal(api.document('api/v1'), api.document('api/v1'));
    assert.equal(api.document('apis/nope/v1'), undefined);
    assert.equal(api.document('apis/apps'), undefined);
  });

  it('documents PATCH on deployments the way kubectl --validate=strict looks for it', () => {
    const doc = parsed('apis/apps/v1');
    assert.equal(doc.openapi, '3.0.0');
    const patch = operation(doc, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch');
    assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.deepEqual(patch.parameters?.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    assert.deepEqual(Object.keys(patch.requestBody?.content ?? {}), [
      'application/apply-patch+yaml', 'application/json-patch+json',
      'application/merge-patch+json', 'application/strategic-merge-patch+json',
    ]);
    for (const [path, method] of [
      ['/apis/apps/v1/namespaces/{namespace}/deployments', 'post'],
      ['/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'put'],
    ]) {
      assert.ok(operation(doc, path, method).parameters?.some((p) => p.name === 'fieldValidation'), `${method} ${path}`);
    }
  });

  it('lays out collection, item, subresource, all-namespaces and watch paths', () => {
    const doc = parsed('apis/apps/v1');
    const ids = (path: string) => Object.values(doc.paths[path] ?? {}).flatMap((op) => ('operationId' in op ? [op.operationId] : [])).sort();
    const base = '/apis/apps/v1';
    assert.deepEqual(ids(`${base}/namespaces/{namespace}/deployments`), [
      'createAppsV1NamespacedDeployment', 'deleteAppsV1CollectionNamespacedDeployment', 'listAppsV1NamespacedDeployment',
    ]);
    assert.deepEqual(ids(`${base}/namespaces/{namespace}/deployments/{name}/scale`), [
      'patchAppsV1NamespacedDeploymentScale', 'readAppsV1NamespacedDeploymentScale', 'replaceAppsV1NamespacedDeploymentScale',
    ]);
    assert.deepEqual(operation(doc, `${base}/namespaces/{namespace}/deployments/{name}/scale`, 'patch')['x-kubernetes-group-version-kind'], {
      group: 'autoscaling', version: 'v1', kind: 'Scale',
    });
    assert.deepEqual(ids(`${base}/namespaces/{namespace}/deployments/{name}/status`), [
      'patchAppsV1NamespacedDeploymentStatus', 'readAppsV1NamespacedDeploymentStatus', 'replaceAppsV1NamespacedDeploymentStatus',
    ]);
    assert.deepEqual(ids(`${base}/deployments`), ['listAppsV1DeploymentForAllNamespaces']);
    assert.deepEqual(ids(`${base}/watch/deployments`), ['watchAppsV1DeploymentListForAllNamespaces']);
    assert.deepEqual(ids(`${base}/watch/namespaces/{namespace}/deployments/{name}`), ['watchAppsV1NamespacedDeployment']);
    assert.deepEqual(ids(`${base}/`), ['getAppsV1APIResources']);
    // ControllerRevision has no status subresource.
    assert.equal(doc.paths[`${base}/namespaces/{namespace}/controllerrevisions/{name}/status`], undefined);
    const list = operation(doc, `${base}/namespaces/{namespace}/deployments`, 'get');
    for (const name of ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch', 'timeoutSeconds']) {
      assert.ok(list.parameters?.some((p) => p.name === name), name);
    }
  });

  it('follows the catalogue for cluster-scoped kinds and missing verbs', () => {
    const doc = parsed('api/v1');
    assert.ok(operation(doc, '/api/v1/nodes/{name}', 'patch'));
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/nodes'], undefined);
    // Namespaces have no deletecollection.
    assert.equal(doc.paths['/api/v1/namespaces']?.delete, undefined);
    assert.equal(operation(doc, '/api/v1/namespaces/{namespace}/pods', 'get').operationId, 'listCoreV1NamespacedPod');
    assert.equal(operation(doc, '/api/v1/watch/nodes', 'get').operationId, 'watchCoreV1NodeList');
  });

  it('carries exactly the schemas its paths need, with no dangling $ref', () => {
    for (const gvPath of Object.keys(api.index().paths)) {
      const doc = parsed(gvPath);
      const defined = new Set(Object.keys(doc.components.schemas));
      for (const name of referencedSchemaNames(doc)) assert.ok(defined.has(name), `${gvPath}: dangling ${name}`);
    }
    const coordination = parsed('apis/coordination.k8s.io/v1');
    assert.ok(coordination.components.schemas['io.k8s.api.coordination.v1.Lease']);
    assert.equal(coordination.components.schemas['io.k8s.api.apps.v1.Deployment'], undefined);
  });

  it('takes other resource lists, for CRDs later', () => {
    const crd: ResourceInfo = {
      ...BUILTIN_RESOURCES.find((r) => r.kind === 'Lease') as ResourceInfo,
      group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget',
    };
    const widgetSchema = (kind: string) => ({ type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind }] });
    const custom = buildOpenApiV3([crd], { extraSchemas: { 'com.example.v1.Widget': widgetSchema('Widget'), 'com.example.v1.WidgetList': widgetSchema('WidgetList') } });
    assert.deepEqual(Object.keys(custom.index().paths), ['apis/example.com/v1']);
    const doc = JSON.parse(custom.document('apis/example.com/v1')?.body.toString() ?? '{}') as Document;
    assert.equal(operation(doc, '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}', 'patch').operationId, 'patchExampleComV1NamespacedWidget');
  });
});
