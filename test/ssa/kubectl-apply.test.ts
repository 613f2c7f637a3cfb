// Server-side apply with the real kubectl: ownership per manager, conflicts
// (409 naming field and manager) and --force-conflicts, fields dropped from
// a manager's configuration, managedFields from client-side writes, and
// kubectl's migration from client-side to server-side apply.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Kubectl, rawRequest, removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

interface Entry { manager: string; operation: string; fieldsV1: Record<string, unknown> }

function deployment(replicas: number, containers: { name: string; image: string }[]): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
  });
}

describe('server-side apply', () => {
  let server: ServerProcess;
  let k: Kubectl;
  let token: string;

  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    token = /token: (\S+)/.exec(readFileSync(server.kubeconfig, 'utf8'))![1]!;
  });

  after(async () => {
    await server?.stop();
    k?.cleanup();
    if (server) removeDir(server.dataDir);
  });

  const managers = async (kind: string, name: string): Promise<Entry[]> => (await k.json(['get', kind, name, '--show-managed-fields'])).metadata.managedFields;

  it('creates on apply and records the applier', async () => {
    const out = await k.ok(['apply', '--server-side', '--field-manager', 'first', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { team: 'a' } }, data: { a: '1', b: '2' } }) });
    assert.match(out, /configmap\/cfg serverside-applied/);
    const entries = await managers('cm', 'cfg');
    assert.deepEqual(entries.map((e) => [e.manager, e.operation]), [['first', 'Apply']]);
    assert.deepEqual(entries[0]!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  });

  it('reports a conflict with the other manager, and forces it', async () => {
    const second = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'changed', c: '3' } });
    const stderr = await k.fails(['apply', '--server-side', '--field-manager', 'second', '-f', '-'], { input: second });
    assert.match(stderr, /Apply failed with 1 conflict: conflict with "first": \.data\.a/);
    const raw = await rawRequest(server, token, 'PATCH', '/api/v1/namespaces/default/configmaps/cfg?fieldManager=second', second, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(raw.status, 409);
    const status = JSON.parse(raw.body);
    assert.equal(status.reason, 'Conflict');
    assert.deepEqual(status.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.data.a' }]);
    await k.ok(['apply', '--server-side', '--field-manager', 'second', '--force-conflicts', '-f', '-'], { input: second });
    const cm = await k.json(['get', 'cm', 'cfg']);
    assert.deepEqual(cm.data, { a: 'changed', b: '2', c: '3' });
    const entries = await managers('cm', 'cfg');
    assert.deepEqual(entries.find((e) => e.manager === 'first')!.fieldsV1, { 'f:data': { 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
    assert.deepEqual(entries.find((e) => e.manager === 'second')!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:c': {} } });
  });

  it('removes a field dropped from its sole manager\'s configuration', async () => {
    await k.ok(['apply', '--server-side', '--field-manager', 'first', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { b: '2' } }) });
    const cm = await k.json(['get', 'cm', 'cfg']);
    assert.deepEqual(cm.data, { a: 'changed', b: '2', c: '3' });
    assert.equal(cm.metadata.labels?.team, undefined);
  });

  it('records client-side writes as Update and migrates them to server-side apply as kubectl expects', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment(2, [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }]) });
    const before = await managers('deploy', 'web');
    assert.deepEqual(before.map((e) => [e.manager, e.operation]), [['kubectl-client-side-apply', 'Update']]);
    const containers = (before[0]!.fieldsV1 as any)['f:spec']['f:template']['f:spec']['f:containers'];
    assert.deepEqual(Object.keys(containers).sort(), ['k:{"name":"nginx"}', 'k:{"name":"side"}']);
    // The same configuration minus a container, now server-side: kubectl upgrades
    // the client-side manager's fields to its own, so the dropped container goes.
    await k.ok(['apply', '--server-side', '-f', '-'], { input: deployment(3, [{ name: 'nginx', image: 'nginx:1.25' }]) });
    const dep = await k.json(['get', 'deploy', 'web']);
    assert.equal(dep.spec.replicas, 3);
    assert.deepEqual(dep.spec.template.spec.containers.map((c: { name: string }) => c.name), ['nginx']);
    const after = await managers('deploy', 'web');
    assert.ok(!after.some((e) => e.manager === 'kubectl-client-side-apply'), JSON.stringify(after));
    assert.equal(after.find((e) => e.manager === 'kubectl')?.operation, 'Apply');
  });

  it('tracks patches by their field manager and takes the fields from the applier', async () => {
    await k.ok(['patch', 'cm', 'cfg', '--type', 'merge', '-p', '{"data":{"b":"patched"}}']);
    const entries = await managers('cm', 'cfg');
    assert.deepEqual(entries.find((e) => e.manager === 'kubectl-patch'), { ...entries.find((e) => e.manager === 'kubectl-patch'), operation: 'Update', fieldsV1: { 'f:data': { 'f:b': {} } } });
    assert.equal(entries.find((e) => e.manager === 'first'), undefined);
    // Now 'first' re-applying b conflicts with the patcher.
    const stderr = await k.fails(['apply', '--server-side', '--field-manager', 'first', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { b: '2' } }) });
    assert.match(stderr, /conflict with "kubectl-patch" using v1/);
  });
});
