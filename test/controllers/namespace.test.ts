// Namespace lifecycle through the real kubectl: deleting a namespace deletes
// its content, reports progress in status.conditions while something holds
// on, forbids new content meanwhile, and removes the namespace at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import { NamespaceController } from '../../src/controllers/namespace/namespace-controller.js';
import { waitFor } from '../e2e/harness.js';
import type { ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

const HOLD = 'test.k8ts.io/hold';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlaneWith([(ctx) => new NamespaceController(ctx)]);
});

after(async () => {
  await cp?.close();
});

async function namespaceExists(name: string): Promise<boolean> {
  const r = await cp.kubectl.run(['get', 'namespace', name, '-o', 'name']);
  if (r.code === 0) return true;
  assert.match(r.stderr, /NotFound/);
  return false;
}

function condition(ns: { status?: { conditions?: Condition[] } }, type: string): Condition | undefined {
  return ns.status?.conditions?.find((c) => c.type === type);
}

describe('namespace deletion', () => {
  it('deletes what the namespace holds and then the namespace itself', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'quick']);
    await cp.kubectl.ok(['create', 'configmap', 'settings', '-n', 'quick', '--from-literal=a=b']);
    await cp.kubectl.ok(['create', 'secret', 'generic', 'creds', '-n', 'quick', '--from-literal=p=q']);
    await cp.kubectl.ok(['create', 'deployment', 'web', '-n', 'quick', '--image=nginx:1.27']);
    // kubectl waits for the namespace to be gone, which needs the controller to empty it and finalize.
    await cp.kubectl.ok(['delete', 'namespace', 'quick', '--timeout=20s']);
    assert.equal(await namespaceExists('quick'), false);
    for (const resource of [RESOURCES.configmaps, RESOURCES.secrets, RESOURCES.deployments]) {
      assert.deepEqual((await cp.client.list(resource, 'quick')).items, [], `${resource.resource} left in the deleted namespace`);
    }
  });

  it('reports remaining content and finalizers in the conditions, forbids new content, and finishes once the content is gone', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'doomed']);
    await cp.kubectl.ok(['create', 'configmap', 'settings', '-n', 'doomed']);
    await cp.client.create(RESOURCES.pods, 'doomed', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', finalizers: [HOLD] }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    await cp.kubectl.ok(['delete', 'namespace', 'doomed', '--wait=false']);

    const ns = await waitFor('the content conditions on the namespace', async () => {
      const current = await cp.kubectl.json(['get', 'namespace', 'doomed']);
      return condition(current, 'NamespaceContentRemaining')?.status === 'True' ? current : undefined;
    });
    assert.equal(ns.status.phase, 'Terminating');
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    const summary = (type: string) => {
      const c = condition(ns, type);
      return c && { status: c.status, reason: c.reason, message: c.message };
    };
    assert.deepEqual(summary('NamespaceContentRemaining'), {
      status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 1 resource instances',
    });
    assert.deepEqual(summary('NamespaceFinalizersRemaining'), {
      status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${HOLD} in 1 resource instances`,
    });
    assert.deepEqual(summary('NamespaceDeletionDiscoveryFailure'), { status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    assert.deepEqual(summary('NamespaceDeletionGroupVersionParsingFailure'), {
      status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed',
    });
    assert.deepEqual(summary('NamespaceDeletionContentFailure'), {
      status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization',
    });
    assert.ok(condition(ns, 'NamespaceContentRemaining')!.lastTransitionTime, 'conditions carry a transition time');

    // What could be deleted is gone; the held pod is deleted but waits for its finalizer.
    assert.deepEqual((await cp.client.list(RESOURCES.configmaps, 'doomed')).items, []);
    const held = await cp.client.get(RESOURCES.pods, 'doomed', 'held');
    assert.ok(held.metadata.deletionTimestamp);

    const refused = await cp.kubectl.run(['create', 'configmap', 'late', '-n', 'doomed']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated/);
    assert.equal(await namespaceExists('doomed'), true);

    await cp.kubectl.ok(['patch', 'pod', 'held', '-n', 'doomed', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('the namespace removed once its last pod is gone', async () => !(await namespaceExists('doomed')));
  });

  it('leaves an active namespace alone', async () => {
    await cp.kubectl.ok(['create', 'namespace', 'alive']);
    await cp.kubectl.ok(['create', 'configmap', 'settings', '-n', 'alive']);
    // A terminating neighbour is fully processed meanwhile, so the controller has had its chance to misbehave.
    await cp.kubectl.ok(['create', 'namespace', 'neighbour']);
    await cp.kubectl.ok(['delete', 'namespace', 'neighbour', '--timeout=20s']);
    const ns = await cp.kubectl.json(['get', 'namespace', 'alive']);
    assert.equal(ns.status.phase, 'Active');
    assert.equal(ns.status.conditions, undefined);
    assert.equal((await cp.client.list(RESOURCES.configmaps, 'alive')).items.length, 1);
  });
});
