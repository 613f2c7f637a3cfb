// Bad input gets Kubernetes' errors, with the right codes, and writes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startKubectlSession, stopKubectlSession, type Kubectl, type ServerProcess } from './harness.js';

describe('bad input', () => {
  let server: ServerProcess;
  let k: Kubectl;
  let token: string;

  /**
   * A dump of every object the bad requests could touch, with resourceVersions.
   * (The global revision alone won't do: the server's own leader-election
   * Lease renewals move it at any time.)
   */
  const DUMPED = [
    '/api/v1/namespaces',
    '/api/v1/configmaps',
    '/apis/apps/v1/deployments',
    '/api/v1/services',
    '/api/v1/nodes',
    '/api/v1/secrets',
  ];
  async function storeDump(): Promise<string[]> {
    const dump: string[] = [];
    for (const path of DUMPED) {
      const res = await rawRequest(server, token, 'GET', path);
      assert.equal(res.status, 200);
      for (const item of JSON.parse(res.body).items) dump.push(`${path} ${item.metadata.namespace ?? ''}/${item.metadata.name}@${item.metadata.resourceVersion}`);
    }
    return dump;
  }

  async function unchanged(action: () => Promise<void>): Promise<void> {
    const before = await storeDump();
    await action();
    assert.deepEqual(await storeDump(), before, 'a rejected request changed the store');
  }

  before(async () => {
    ({ server, k, token } = await startKubectlSession());
    await k.ok(['create', 'configmap', 'existing', '--from-literal=a=b']);
  });

  after(() => stopKubectlSession({ server, k }));

  it('rejects an invalid object with 422 and field causes', async () => {
    await unchanged(async () => {
      const deploy = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken' },
        spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c' }] } } },
      };
      const err = await k.fails(['create', '-f', '-'], { input: JSON.stringify(deploy) });
      assert.match(err, /The Deployment "broken" is invalid/);
      assert.match(err, /spec\.template\.spec\.containers\[0\]\.image: Required value/);
      assert.match(err, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
      const raw = await rawRequest(server, token, 'POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(deploy), { 'Content-Type': 'application/json' });
      assert.equal(raw.status, 422);
      const status = JSON.parse(raw.body);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'Invalid');
      const fields = status.details.causes.map((c: { field: string }) => c.field);
      assert.ok(fields.includes('spec.template.spec.containers[0].image'), JSON.stringify(status));
      assert.ok(fields.includes('spec.template.metadata.labels'), JSON.stringify(status));
    });
  });

  it('rejects invalid names', async () => {
    await unchanged(async () => {
      const err = await k.fails(['create', 'configmap', 'Bad_Name']);
      assert.match(err, /metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/);
    });
  });

  it('answers a malformed body with 400', async () => {
    await unchanged(async () => {
      const res = await rawRequest(server, token, 'POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": ', { 'Content-Type': 'application/json' });
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).reason, 'BadRequest');
    });
  });

  it('answers a body over 3 MiB with 413', async () => {
    await unchanged(async () => {
      const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
      const res = await rawRequest(server, token, 'POST', '/api/v1/namespaces/default/configmaps', big, { 'Content-Type': 'application/json' });
      assert.equal(res.status, 413);
      assert.equal(JSON.parse(res.body).reason, 'RequestEntityTooLarge');
    });
  });

  it('names unknown fields under strict field validation', async () => {
    await unchanged(async () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndata:\n  a: b\nbogus: 1\n';
      const err = await k.fails(['apply', '-f', '-'], { input: cm });
      assert.match(err, /strict decoding error: unknown field "bogus"/);
      const deploy = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'strict' },
        spec: { replicaz: 2, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i', imagePolicy: 'x' }] } } },
      };
      const err2 = await k.fails(['create', '-f', '-'], { input: JSON.stringify(deploy) });
      assert.match(err2, /unknown field "spec\.replicaz"/);
      assert.match(err2, /unknown field "spec\.template\.spec\.containers\[0\]\.imagePolicy"/);
    });
  });

  it('answers missing namespaces and objects with 404 and duplicates with 409', async () => {
    await unchanged(async () => {
      assert.match(await k.fails(['create', 'configmap', 'x', '-n', 'nope']), /namespaces "nope" not found/);
      assert.match(await k.fails(['get', 'configmap', 'missing']), /configmaps "missing" not found/);
      assert.match(await k.fails(['delete', 'configmap', 'missing']), /configmaps "missing" not found/);
      assert.match(await k.fails(['create', 'configmap', 'existing']), /configmaps "existing" already exists/);
      const res = await rawRequest(server, token, 'GET', '/api/v1/namespaces/default/configmaps/missing');
      assert.equal(res.status, 404);
      assert.equal(JSON.parse(res.body).reason, 'NotFound');
    });
  });

  it('answers a stale update with 409 Conflict', async () => {
    const cm = JSON.parse((await rawRequest(server, token, 'GET', '/api/v1/namespaces/default/configmaps/existing')).body);
    const first = await rawRequest(server, token, 'PUT', '/api/v1/namespaces/default/configmaps/existing', JSON.stringify({ ...cm, data: { a: 'first' } }), { 'Content-Type': 'application/json' });
    assert.equal(first.status, 200);
    await unchanged(async () => {
      const stale = await rawRequest(server, token, 'PUT', '/api/v1/namespaces/default/configmaps/existing', JSON.stringify({ ...cm, data: { a: 'stale' } }), { 'Content-Type': 'application/json' });
      assert.equal(stale.status, 409);
      const status = JSON.parse(stale.body);
      assert.equal(status.reason, 'Conflict');
      assert.match(status.message, /the object has been modified; please apply your changes to the latest version and try again/);
    });
  });

  it('refuses requests without a valid token with 401', async () => {
    await unchanged(async () => {
      const none = await rawRequest(server, null, 'GET', '/api/v1/namespaces');
      assert.equal(none.status, 401);
      const wrong = await rawRequest(server, 'not-the-token', 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'intruder' } }), { 'Content-Type': 'application/json' });
      assert.equal(wrong.status, 401);
      assert.equal(JSON.parse(wrong.body).reason, 'Unauthorized');
    });
  });
});
