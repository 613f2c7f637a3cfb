// CustomResourceDefinitions end to end: the example CRD applied with the
// real kubectl is served at once, with its schema, CEL rule, defaults,
// pruning, subresources, printer columns, explain, a second version, and a
// client-node controller writing status; deleting it deletes its objects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { Kubectl, rawRequest, removeDir, startServer, waitFor, type ServerProcess } from '../e2e/harness.js';

const CRD = 'examples/crd/crontab-crd.yaml';
const PATH = '/apis/stable.example.com/v1/namespaces/default/crontabs';

describe('CustomResourceDefinition', () => {
  let server: ServerProcess;
  let k: Kubectl;
  let token: string;

  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    token = /token: (\S+)/.exec(readFileSync(server.kubeconfig, 'utf8'))![1]!;
    await k.ok(['apply', '-f', CRD]);
    await k.ok(['wait', '--for', 'condition=Established', 'crd/crontabs.stable.example.com', '--timeout=20s']);
  });

  after(async () => {
    await server?.stop();
    k?.cleanup();
    if (server) removeDir(server.dataDir);
  });

  it('accepts the names and establishes the CRD', async () => {
    const crd = await k.json(['get', 'crd', 'crontabs.stable.example.com']);
    const conditions = Object.fromEntries(crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]));
    assert.deepEqual(conditions, { NamesAccepted: 'True', Established: 'True' });
    assert.equal(crd.status.acceptedNames.kind, 'CronTab');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
  });

  it('serves the kind with defaults, printer columns, short names, both versions and field selectors', async () => {
    await k.ok(['apply', '-f', 'examples/crd/my-crontab.yaml']);
    const table = await k.ok(['get', 'crontabs']);
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE\n/);
    assert.match(table, /my-new-cron-object\s+\* \* \* \* \*\/5\s+2\s+\d+s/);
    assert.match(await k.ok(['get', 'ct', '-o', 'wide']), /IMAGE[\s\S]*my-awesome-cron-image/);
    const obj = await k.json(['get', 'ct', 'my-new-cron-object']);
    assert.equal(obj.spec.maxReplicas, 10);
    assert.equal(obj.spec.policy, 'Allow');
    const beta = await k.json(['get', 'crontabs.v1beta1.stable.example.com', 'my-new-cron-object']);
    assert.equal(beta.apiVersion, 'stable.example.com/v1beta1');
    assert.equal(beta.spec.image, 'my-awesome-cron-image');
    assert.match(await k.ok(['get', 'crontabs', '--field-selector', 'spec.image=my-awesome-cron-image', '-o', 'name']), /my-new-cron-object/);
    assert.equal(await k.ok(['get', 'crontabs', '--field-selector', 'spec.image=other', '-o', 'name']), '');
  });

  it('re-applies a changed custom resource with a merge patch and refuses strategic merge patches', async () => {
    const changed = readFileSync('examples/crd/my-crontab.yaml', 'utf8').replace(/replicas: \d+/, 'replicas: 3');
    assert.match(await k.ok(['apply', '-f', '-'], { input: changed }), /my-new-cron-object configured/);
    assert.equal((await k.json(['get', 'ct', 'my-new-cron-object'])).spec.replicas, 3);
    assert.match(await k.ok(['apply', '-f', '-'], { input: changed }), /my-new-cron-object unchanged/);
    const refused = await k.fails(['patch', 'ct', 'my-new-cron-object', '-p', '{"spec":{"replicas":4}}']);
    assert.match(refused, /application\/strategic-merge-patch\+json is not supported/);
    const restored = readFileSync('examples/crd/my-crontab.yaml', 'utf8');
    await k.ok(['apply', '-f', '-'], { input: restored });
  });

  it('rejects objects violating the schema or the CEL rule with field causes', async () => {
    const stderr = await k.fails(['patch', 'ct', 'my-new-cron-object', '--type', 'merge', '-p', '{"spec":{"replicas":20}}']);
    assert.match(stderr, /spec: Invalid value: "object": replicas must not exceed maxReplicas/);
    const body = JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad' }, spec: { cronSpec: 'never', image: 'i', replicas: 'two', policy: 'Maybe' } });
    const res = await rawRequest(server, token, 'POST', PATH, body, { 'Content-Type': 'application/json' });
    assert.equal(res.status, 422);
    const status = JSON.parse(res.body);
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual(status.details.causes.map((c: { field: string; reason: string }) => `${c.reason} ${c.field}`).sort(), [
      'FieldValueInvalid spec.cronSpec',
      'FieldValueNotSupported spec.policy',
      'FieldValueTypeInvalid spec.replicas',
    ]);
  });

  it('prunes unknown fields (and strict validation reports them)', async () => {
    const body = JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'pruned' }, spec: { cronSpec: '* * * * *', image: 'i', bogus: 1 }, extra: true });
    const res = await rawRequest(server, token, 'POST', PATH, body, { 'Content-Type': 'application/json' });
    assert.equal(res.status, 201, res.body);
    const created = JSON.parse(res.body);
    assert.equal(created.spec.bogus, undefined);
    assert.equal(created.extra, undefined);
    assert.equal(created.spec.image, 'i');
    const strict = await k.fails(['create', '-f', '-'], { input: body.replace('"pruned"', '"strict"') });
    assert.match(strict, /unknown field "spec.bogus"/);
  });

  it('scales through the scale subresource and explains the schema', async () => {
    await k.ok(['scale', 'crontab', 'my-new-cron-object', '--replicas', '3']);
    assert.equal((await k.json(['get', 'ct', 'my-new-cron-object'])).spec.replicas, 3);
    const scale = JSON.parse(await k.ok(['get', '--raw', `${PATH}/my-new-cron-object/scale`]));
    assert.equal(scale.spec.replicas, 3);
    const explained = await k.ok(['explain', 'crontab.spec']);
    assert.match(explained, /The desired schedule and command\./);
    assert.match(explained, /cronSpec\s+<string> -required-\n\s+The cron schedule, in cron format\./);
    assert.match(await k.ok(['explain', 'crontab', '--recursive']), /maxReplicas\s+<integer>/);
    // Built-in kinds explain from the same OpenAPI v3 documents, nested fields included.
    const builtin = await k.ok(['explain', 'deployment.spec.strategy.rollingUpdate']);
    assert.match(builtin, /FIELD: rollingUpdate <RollingUpdateDeployment>/);
    assert.match(builtin, /maxSurge\s+<\w+>\n\s+The maximum number of pods that can be scheduled above the desired number of/);
  });

  it('works with a client-node controller writing status through the status subresource', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const group = 'stable.example.com';
    const informer = k8s.makeInformer(kc, PATH, () => custom.listNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs' }) as never);
    const reconcile = async (obj: k8s.KubernetesObject & { spec?: { replicas?: number }; status?: { replicas?: number } }) => {
      if (obj.status?.replicas === obj.spec?.replicas) return;
      await custom.patchNamespacedCustomObjectStatus({
        group, version: 'v1', namespace: 'default', plural: 'crontabs', name: obj.metadata!.name!,
        body: { status: { replicas: obj.spec?.replicas, selector: 'app=cron' } },
      }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    };
    let failure: unknown;
    informer.on('add', (o) => void reconcile(o as never).catch((e) => (failure = e)));
    informer.on('update', (o) => void reconcile(o as never).catch((e) => (failure = e)));
    await informer.start();
    try {
      await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'controlled' }, spec: { cronSpec: '* * * * *', image: 'i', replicas: 4 } }) });
      await waitFor('status written by the controller', async () => (await k.json(['get', 'ct', 'controlled'])).status?.replicas === 4);
      const scale = JSON.parse(await k.ok(['get', '--raw', `${PATH}/controlled/scale`]));
      assert.deepEqual(scale.status, { replicas: 4, selector: 'app=cron' });
      // The main resource ignores status; the status subresource ignores spec.
      await k.ok(['patch', 'ct', 'controlled', '--type', 'merge', '-p', '{"status":{"replicas":9}}']);
      assert.equal((await k.json(['get', 'ct', 'controlled'])).status.replicas, 4);
      assert.equal(failure, undefined);
    } finally {
      await informer.stop();
    }
  });

  it('applies server-side, merging lists by the schema\'s list types', async () => {
    const base = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'applied' } };
    await k.ok(['apply', '--server-side', '--field-manager', 'one', '-f', '-'], { input: JSON.stringify({ ...base, spec: { cronSpec: '* * * * *', image: 'i', tags: ['t1'], ports: [{ name: 'http', port: 80 }] } }) });
    await k.ok(['apply', '--server-side', '--field-manager', 'two', '-f', '-'], { input: JSON.stringify({ ...base, spec: { tags: ['t2'], ports: [{ name: 'metrics', port: 9090 }] } }) });
    const obj = await k.json(['get', 'ct', 'applied', '--show-managed-fields']);
    assert.deepEqual(obj.spec.tags, ['t1', 't2']);
    assert.deepEqual(obj.spec.ports, [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]);
    const two = obj.metadata.managedFields.find((e: { manager: string }) => e.manager === 'two');
    assert.deepEqual(two.fieldsV1, { 'f:spec': { 'f:ports': { 'k:{"name":"metrics"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:tags': { 'v:"t2"': {} } } });
    const stderr = await k.fails(['apply', '--server-side', '--field-manager', 'two', '-f', '-'], { input: JSON.stringify({ ...base, spec: { ports: [{ name: 'http', port: 81 }] } }) });
    assert.match(stderr, /conflict with "one": \.spec\.ports\[name="http"\]\.port/);
  });

  it('deletes the custom resources, then the CRD', async () => {
    assert.ok((await k.json(['get', 'crontabs'])).items.length >= 3);
    await k.ok(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=30s']);
    await waitFor('CRD gone', async () => (await k.run(['get', 'crd', 'crontabs.stable.example.com'])).code !== 0);
    const res = await rawRequest(server, token, 'GET', PATH);
    assert.equal(res.status, 404);
    // Re-creating it finds no leftovers in the store.
    await k.ok(['apply', '-f', CRD]);
    await k.ok(['wait', '--for', 'condition=Established', 'crd/crontabs.stable.example.com', '--timeout=20s']);
    await waitFor('served again', async () => (await rawRequest(server, token, 'GET', PATH)).status === 200);
    assert.deepEqual(JSON.parse((await rawRequest(server, token, 'GET', PATH)).body).items, []);
  });
});
