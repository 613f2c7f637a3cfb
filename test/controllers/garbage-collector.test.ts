// The garbage collector against a real server and the real kubectl:
// `kubectl delete --cascade=background|foreground|orphan` on a Deployment
// whose ReplicaSet and Pods the test builds itself (with ownerReferences),
// and dangling owner references.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isNotFound } from '../../src/client/api-client.js';
import { GarbageCollector } from '../../src/controllers/garbagecollector/garbage-collector.js';
import { controllerRef } from '../../src/controllers/common/owners.js';
import { waitFor } from '../e2e/harness.js';
import type { ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

const NS = 'default';
const HOLD = 'test.k8ts.io/hold';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlaneWith([(ctx) => new GarbageCollector(ctx)]);
});

after(async () => {
  await cp?.close();
});

function podSpec() {
  return { containers: [{ name: 'app', image: 'nginx:1.27' }] };
}

interface Family {
  deployment: KubeObject;
  replicaSet: KubeObject;
  pods: KubeObject[];
}

/** Deployment → ReplicaSet → Pods, linked by controller ownerReferences; `holdFirstPod` puts a finalizer on one pod. */
async function createFamily(name: string, opts: { holdFirstPod?: boolean } = {}): Promise<Family> {
  const labels = { app: name };
  const template = { metadata: { labels }, spec: podSpec() };
  const deployment = await cp.client.create(RESOURCES.deployments, NS, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 2, selector: { matchLabels: labels }, template },
  });
  const replicaSet = await cp.client.create(RESOURCES.replicasets, NS, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: `${name}-rs`, labels, ownerReferences: [controllerRef(deployment)] },
    spec: { replicas: 2, selector: { matchLabels: labels }, template },
  });
  const pods: KubeObject[] = [];
  for (let i = 0; i < 2; i++) {
    pods.push(await cp.client.create(RESOURCES.pods, NS, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${name}-pod-${i}`, labels, ownerReferences: [controllerRef(replicaSet)], finalizers: opts.holdFirstPod && i === 0 ? [HOLD] : undefined },
      spec: podSpec(),
    }));
  }
  return { deployment, replicaSet, pods };
}

async function getOrUndefined(ref: (typeof RESOURCES)[keyof typeof RESOURCES], name: string, namespace: string | undefined = NS): Promise<KubeObject | undefined> {
  try {
    return await cp.client.get(ref, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function gone(ref: (typeof RESOURCES)[keyof typeof RESOURCES], name: string, namespace: string | undefined = NS): Promise<boolean> {
  return (await getOrUndefined(ref, name, namespace)) === undefined;
}

describe('cascading deletion through kubectl', () => {
  it('--cascade=background deletes the Deployment at once and then its ReplicaSet and Pods', async () => {
    const { replicaSet, pods } = await createFamily('bg');
    await cp.kubectl.ok(['delete', 'deployment', 'bg', '--cascade=background', '-n', NS]);
    assert.equal(await gone(RESOURCES.deployments, 'bg'), true);
    await waitFor('the ReplicaSet collected', () => gone(RESOURCES.replicasets, replicaSet.metadata.name!));
    for (const pod of pods) await waitFor(`pod ${pod.metadata.name} collected`, () => gone(RESOURCES.pods, pod.metadata.name!));
  });

  it('--cascade=foreground keeps the Deployment, with a deletionTimestamp, until its blocking dependents are gone', async () => {
    const { replicaSet, pods } = await createFamily('fg', { holdFirstPod: true });
    await cp.kubectl.ok(['delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false', '-n', NS]);
    // The unheld pod goes; the held one is deleted but stays, so the ReplicaSet and the Deployment wait.
    await waitFor('the free pod deleted', () => gone(RESOURCES.pods, pods[1]!.metadata.name!));
    const held = await waitFor('the held pod marked for deletion', async () => {
      const pod = await getOrUndefined(RESOURCES.pods, pods[0]!.metadata.name!);
      return pod?.metadata.deletionTimestamp ? pod : undefined;
    });
    const rs = await cp.kubectl.json(['get', 'replicaset', replicaSet.metadata.name!, '-n', NS]);
    assert.ok(rs.metadata.deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(rs.metadata.finalizers, ['foregroundDeletion']);
    const deployment = await cp.kubectl.json(['get', 'deployment', 'fg', '-n', NS]);
    assert.ok(deployment.metadata.deletionTimestamp, 'the Deployment is being deleted');
    assert.deepEqual(deployment.metadata.finalizers, ['foregroundDeletion']);

    await cp.client.patch(RESOURCES.pods, NS, held.metadata.name!, 'application/merge-patch+json', { metadata: { finalizers: null } });
    await waitFor('the held pod gone', () => gone(RESOURCES.pods, held.metadata.name!));
    await waitFor('the ReplicaSet gone', () => gone(RESOURCES.replicasets, replicaSet.metadata.name!));
    await waitFor('the Deployment gone', () => gone(RESOURCES.deployments, 'fg'));
  });

  it('--cascade=foreground through kubectl waits until everything is gone', async () => {
    const { replicaSet, pods } = await createFamily('fgwait');
    // kubectl's default --wait=true returns only once the Deployment itself is gone, i.e. after its dependents.
    await cp.kubectl.ok(['delete', 'deployment', 'fgwait', '--cascade=foreground', '-n', NS]);
    assert.equal(await gone(RESOURCES.deployments, 'fgwait'), true);
    assert.equal(await gone(RESOURCES.replicasets, replicaSet.metadata.name!), true);
    for (const pod of pods) assert.equal(await gone(RESOURCES.pods, pod.metadata.name!), true);
  });

  it('--cascade=orphan deletes the Deployment and leaves the ReplicaSet and Pods without its ownerReference', async () => {
    const { deployment, replicaSet, pods } = await createFamily('orphan');
    await cp.kubectl.ok(['delete', 'deployment', 'orphan', '--cascade=orphan', '-n', NS]);
    assert.equal(await gone(RESOURCES.deployments, 'orphan'), true);
    const rs = await cp.kubectl.json(['get', 'replicaset', replicaSet.metadata.name!, '-n', NS]);
    assert.equal(rs.metadata.deletionTimestamp, undefined);
    assert.equal((rs.metadata.ownerReferences ?? []).some((r: { uid: string }) => r.uid === deployment.metadata.uid), false);
    // Orphaning is one level deep: the pods still belong to the ReplicaSet.
    for (const pod of pods) {
      const live = await cp.client.get(RESOURCES.pods, NS, pod.metadata.name!);
      assert.deepEqual(live.metadata.ownerReferences?.map((r) => r.uid), [replicaSet.metadata.uid]);
    }
  });
});

describe('dangling owner references', () => {
  function owned(name: string, owners: { kind: string; name: string; uid: string; apiVersion?: string }[], namespace = NS): Promise<KubeObject> {
    return cp.client.create(RESOURCES.configmaps, namespace, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name, ownerReferences: owners.map((o) => ({ apiVersion: o.apiVersion ?? 'v1', kind: o.kind, name: o.name, uid: o.uid })) },
    });
  }

  it('collects an object whose owner never existed', async () => {
    await owned('ghost-child', [{ kind: 'ConfigMap', name: 'ghost', uid: randomUUID() }]);
    await waitFor('the dependent of a missing owner collected', () => gone(RESOURCES.configmaps, 'ghost-child'));
  });

  it('collects an object whose owner name now belongs to another uid', async () => {
    await cp.client.create(RESOURCES.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reborn' } });
    await owned('reborn-child', [{ kind: 'ConfigMap', name: 'reborn', uid: randomUUID() }]);
    await waitFor('the dependent of a replaced owner collected', () => gone(RESOURCES.configmaps, 'reborn-child'));
    assert.equal(await gone(RESOURCES.configmaps, 'reborn'), false, 'the namesake owner is untouched');
  });

  it('keeps an object with a live owner and drops only its dangling reference', async () => {
    const owner = await cp.client.create(RESOURCES.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'real-owner' } });
    const ghostUid = randomUUID();
    await owned('mixed-child', [{ kind: 'ConfigMap', name: 'real-owner', uid: owner.metadata.uid! }, { kind: 'ConfigMap', name: 'ghost2', uid: ghostUid }]);
    const child = await waitFor('the dangling reference dropped', async () => {
      const cm = await cp.client.get(RESOURCES.configmaps, NS, 'mixed-child');
      return cm.metadata.ownerReferences?.length === 1 ? cm : undefined;
    });
    assert.equal(child.metadata.ownerReferences![0]!.uid, owner.metadata.uid);
    assert.equal(child.metadata.deletionTimestamp, undefined);
  });

  it('treats an owner in another namespace as absent and reports OwnerRefInvalidNamespace', async () => {
    await cp.client.create(RESOURCES.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc-other' } });
    const owner = await cp.client.create(RESOURCES.configmaps, 'gc-other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'far-owner' } });
    const child = await owned('cross-ns-child', [{ kind: 'ConfigMap', name: 'far-owner', uid: owner.metadata.uid! }]);
    await waitFor('the cross-namespace dependent collected', () => gone(RESOURCES.configmaps, 'cross-ns-child'));
    const events = await cp.kubectl.json(['get', 'events', '-n', NS, '--field-selector', 'reason=OwnerRefInvalidNamespace']);
    const event = events.items.find((e: { involvedObject: { uid: string } }) => e.involvedObject.uid === child.metadata.uid);
    assert.ok(event, 'a warning event about the invalid reference');
    assert.equal(event.type, 'Warning');
    assert.match(event.message, /does not exist in namespace "default"/);
    assert.equal(await gone(RESOURCES.configmaps, 'far-owner', 'gc-other'), false);
  });

  it('collects a namespaced object owned by a cluster-scoped owner once that owner is deleted', async () => {
    const node = await cp.client.create(RESOURCES.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gc-node' } });
    await owned('node-child', [{ kind: 'Node', name: 'gc-node', uid: node.metadata.uid! }]);
    await cp.kubectl.ok(['delete', 'node', 'gc-node']);
    await waitFor('the dependent of the deleted node collected', () => gone(RESOURCES.configmaps, 'node-child'));
  });
});
