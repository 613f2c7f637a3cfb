// The default ServiceAccount: present in new namespaces, re-created when
// deleted, and not re-created in a namespace being terminated.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import { NamespaceController } from '../../src/controllers/namespace/namespace-controller.js';
import { ServiceAccountController } from '../../src/controllers/serviceaccount/service-account-controller.js';
import { waitFor } from '../e2e/harness.js';
import type { ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlaneWith([(ctx) => new ServiceAccountController(ctx), (ctx) => new NamespaceController(ctx)]);
});

after(async () => {
  await cp?.close();
});

async function defaultServiceAccountUid(namespace: string): Promise<string | undefined> {
  const r = await cp.kubectl.run(['get', 'serviceaccount', 'default', '-n', namespace, '-o', 'jsonpath={.metadata.uid}']);
  return r.code === 0 ? r.stdout : undefined;
}

describe('default ServiceAccount', () => {
  it('exists in the initial namespaces', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) await waitFor(`default ServiceAccount in ${ns}`, () => defaultServiceAccountUid(ns));
  });

  it('appears in a new namespace', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'fresh']);
    const sa = await waitFor('the default ServiceAccount', () => cp.kubectl.json(['get', 'serviceaccount', 'default', '-n', 'fresh']).catch(() => undefined));
    assert.equal(sa.metadata.name, 'default');
    assert.equal(sa.metadata.namespace, 'fresh');
  });

  it('is re-created after being deleted', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'recreate']);
    const first = await waitFor('the first default ServiceAccount', () => defaultServiceAccountUid('recreate'));
    await cp.kubectl.ok(['delete', 'serviceaccount', 'default', '-n', 'recreate']);
    const second = await waitFor('a new default ServiceAccount', async () => {
      const uid = await defaultServiceAccountUid('recreate');
      return uid && uid !== first ? uid : undefined;
    });
    assert.notEqual(second, first);
  });

  it('is not re-created in a terminating namespace', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'ending']);
    await waitFor('the default ServiceAccount', () => defaultServiceAccountUid('ending'));
    // A held pod keeps the namespace Terminating while its ServiceAccount is deleted.
    await cp.client.create(RESOURCES.pods, 'ending', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', finalizers: ['test.k8ts.io/hold'] }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    await cp.kubectl.ok(['delete', 'namespace', 'ending', '--wait=false']);
    await waitFor('the namespace content reported', async () => {
      const ns = await cp.kubectl.json(['get', 'namespace', 'ending']);
      return ns.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'NamespaceContentRemaining' && c.status === 'True');
    });
    // The ServiceAccount controller has seen the namespace change by now; a re-created one would show up here.
    assert.equal(await defaultServiceAccountUid('ending'), undefined);
    await cp.kubectl.ok(['patch', 'pod', 'held', '-n', 'ending', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('the namespace gone', async () => (await cp.kubectl.run(['get', 'namespace', 'ending'])).code !== 0);
  });
});
