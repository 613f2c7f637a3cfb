// kubectl validates a `kind: List` on the client, against the server's
// /openapi/v2 (v1/List has no endpoint, so there is no server-side
// fieldValidation to rely on): the real kubectl against /openapi/v2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawRequest, startKubectlSession, stopKubectlSession, tempDir, type Kubectl, type ServerProcess } from './harness.js';

function list(...items: string[]): string {
  return `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;
}

function configMap(name: string, extra = ''): string {
  return `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ${name}\n  data:\n    key: ${name}\n${extra}`;
}

describe('kubectl apply of a List, validated with /openapi/v2', () => {
  let server: ServerProcess;
  let k: Kubectl;
  let token: string;
  const scratch = tempDir('k8ts-scratch-');

  before(async () => {
    ({ server, k, token } = await startKubectlSession());
  });

  after(() => stopKubectlSession({ server, k }, scratch));

  it('creates every item of a List, then reports them unchanged', async () => {
    const file = join(scratch, 'list.yaml');
    writeFileSync(file, list(configMap('list-a'), configMap('list-b')));
    assert.equal(await k.ok(['apply', '-f', file]), 'configmap/list-a created\nconfigmap/list-b created\n');
    assert.equal(await k.ok(['apply', '-f', file]), 'configmap/list-a unchanged\nconfigmap/list-b unchanged\n');
    assert.equal(await k.ok(['get', 'configmap', 'list-b', '-o', 'jsonpath={.data.key}']), 'list-b');
  });

  it('rejects a List with an unknown field in one item, naming it, and creates nothing', async () => {
    const file = join(scratch, 'bad-list.yaml');
    writeFileSync(file, list(configMap('bad-c'), configMap('bad-d', '  bogus: 1\n')));
    const stderr = await k.fails(['apply', '-f', file]);
    assert.equal(stderr.trim(), `error: error validating "${file}": error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false`);
    const names = await k.ok(['get', 'configmaps', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.ok(!names.includes('bad-'), names);
  });

  it('validates custom resources in a List once their CRD is served, leaving preserved fields open', async () => {
    await k.ok(['apply', '-f', 'examples/crd/crontab-crd.yaml']);
    await k.ok(['wait', '--for', 'condition=Established', 'crd/crontabs.stable.example.com', '--timeout=20s']);
    // The first document was built before the CRD: it must have been rebuilt.
    const cronTab = (version: string, name: string, spec: string): string =>
      `- apiVersion: stable.example.com/${version}\n  kind: CronTab\n  metadata:\n    name: ${name}\n  spec:\n${spec}`;
    const bad = join(scratch, 'bad-crontabs.yaml');
    writeFileSync(bad, list(cronTab('v1', 'strict', '    cronSpec: "* * * * */5"\n    image: busybox\n    nope: 1\n')));
    assert.match(await k.fails(['apply', '-f', bad]), /ValidationError\(CronTab\.spec\): unknown field "nope" in com\.example\.stable\.v1\.CronTab\.spec/);
    // v1beta1's spec is open (x-kubernetes-preserve-unknown-fields): any field passes, next to a built-in kind.
    const open = join(scratch, 'open-crontabs.yaml');
    writeFileSync(open, list(cronTab('v1beta1', 'open', '    anything: goes\n'), configMap('with-crontab')));
    assert.equal(await k.ok(['apply', '-f', open]), 'crontab.stable.example.com/open created\nconfigmap/with-crontab created\n');
  });

  it('serves /openapi/v2 as JSON, to authenticated clients only', async () => {
    const res = await rawRequest(server, token, 'GET', '/openapi/v2', undefined, { Accept: 'application/json' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const doc = JSON.parse(res.body) as { swagger: string; definitions: Record<string, { 'x-kubernetes-group-version-kind'?: unknown }> };
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const cached = await rawRequest(server, token, 'GET', '/openapi/v2', undefined, { Accept: 'application/json', 'If-None-Match': res.headers.etag as string });
    assert.equal(cached.status, 304);
    assert.equal((await rawRequest(server, null, 'GET', '/openapi/v2')).status, 401);
  });
});
