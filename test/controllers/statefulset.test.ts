// The StatefulSet controller against a real in-process k8ts server, driven
// by the real kubectl. The test plays the scheduler (binding pods) and the
// kubelet (reporting them Running and Ready, finishing terminations).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import type { KubeObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from './harness.js';
import { waitFor } from '../e2e/harness.js';

const NODE = 'node-1';

interface SetOptions {
  replicas?: number;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  partition?: number;
  claims?: boolean;
  retention?: { whenScaled?: string; whenDeleted?: string };
}

function statefulSet(name: string, opts: SetOptions = {}): string {
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: opts.replicas ?? 3,
      podManagementPolicy: opts.podManagementPolicy ?? 'OrderedReady',
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: opts.partition ?? 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
      ...(opts.claims ? {
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        persistentVolumeClaimRetentionPolicy: opts.retention,
      } : {}),
    },
  };
  return JSON.stringify(manifest);
}

describe('StatefulSet controller', () => {
  let cp: ControlPlane;
  const ns = 'default';

  before(async () => {
    cp = await startControlPlane();
    await cp.kubelet.createNode(NODE);
  });

  after(async () => {
    await cp?.close();
  });

  const getPod = (name: string) => cp.client.get(RESOURCES.pods, ns, name).catch(() => undefined);
  const podsOf = async (app: string) => (await cp.client.list(RESOURCES.pods, ns, { labelSelector: `app=${app}` })).items;
  const getSet = (name: string) => cp.client.get(RESOURCES.statefulsets, ns, name);

  /** Schedules the pod (if needed) and reports it Running and Ready, as scheduler and kubelet would. */
  async function makeReady(name: string): Promise<void> {
    const pod = await waitFor(`pod ${name}`, () => getPod(name));
    if (!(pod.spec as { nodeName?: string }).nodeName) await cp.client.bindPod(ns, name, NODE);
    await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, ns, name));
  }

  /** Removes a terminating pod, as its kubelet does once the containers stop. */
  async function finishTerminating(name: string): Promise<void> {
    await cp.client.delete(RESOURCES.pods, ns, name, { gracePeriodSeconds: 0 });
  }

  /** Keeps every pod of `app` Running and Ready and lets terminating ones go. */
  function autoReady(app: string): void {
    cp.kubelet.startAutoReady(NODE, (pod) => pod.metadata.labels?.app === app);
  }

  it('creates pods in ordinal order, each after the previous is Running and Ready, and scales down in reverse', async () => {
    await cp.kubectl.ok(['apply', '-f', '-'], { input: statefulSet('web') });
    const web0 = await waitFor('web-0', () => getPod('web-0'));
    const spec = web0.spec as { hostname?: string; subdomain?: string };
    assert.equal(spec.hostname, 'web-0');
    assert.equal(spec.subdomain, 'web');
    assert.equal(web0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(web0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.match(web0.metadata.labels?.['controller-revision-hash'] ?? '', /^web-[a-z0-9]+$/);
    assert.deepEqual(web0.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['StatefulSet', 'web', true]]);

    // web-1 must not appear while web-0 is not Running and Ready: the status
    // reporting one replica proves the controller has looked since.
    const replicasSeen = async () => ((await getSet('web')).status as { replicas?: number } | undefined)?.replicas ?? 0;
    assert.equal(await waitFor('status.replicas', replicasSeen), 1);
    assert.equal(await getPod('web-1'), undefined, 'web-1 created before web-0 was ready');
    await makeReady('web-0');
    assert.equal(await getPod('web-2'), undefined);
    await waitFor('web-1', () => getPod('web-1'));
    await waitFor('status.replicas=2', async () => (await replicasSeen()) >= 2);
    assert.equal(await getPod('web-2'), undefined, 'web-2 created before web-1 was ready');
    await cp.kubelet.setRunning((await getPod('web-1'))!, false);
    // A spec change the pods don't care about: its observedGeneration proves a pass after web-1 ran unready.
    await cp.kubectl.ok(['patch', 'statefulset', 'web', '-p', '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}}']);
    await waitFor('a pass over Running-but-unready web-1', async () => {
      const s = await getSet('web');
      return (s.status as { observedGeneration?: number }).observedGeneration === s.metadata.generation;
    });
    assert.equal(await getPod('web-2'), undefined, 'web-2 created while web-1 was Running but not Ready');
    await makeReady('web-1');
    await makeReady('web-2');
    await cp.kubectl.ok(['rollout', 'status', 'statefulset/web', '--timeout=20s']);
    const set = await cp.kubectl.json(['get', 'statefulset', 'web']);
    assert.equal(set.status.readyReplicas, 3);
    assert.equal(set.status.availableReplicas, 3);
    assert.equal(set.status.currentReplicas, 3);
    assert.equal(set.status.updatedReplicas, 3);
    assert.equal(set.status.currentRevision, set.status.updateRevision);
    assert.equal(set.status.observedGeneration, set.metadata.generation);
    const events = (await cp.client.list(RESOURCES.events, ns)).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'), events.join('\n'));

    await cp.kubectl.ok(['scale', 'statefulset', 'web', '--replicas=1']);
    await waitFor('web-2 terminating', async () => (await getPod('web-2'))?.metadata.deletionTimestamp);
    assert.equal((await getPod('web-1'))?.metadata.deletionTimestamp, undefined, 'web-1 deleted before web-2 was gone');
    await finishTerminating('web-2');
    await waitFor('web-1 terminating', async () => (await getPod('web-1'))?.metadata.deletionTimestamp);
    await finishTerminating('web-1');
    await waitFor('scaled to 1', async () => {
      const s = await getSet('web');
      return (s.status as { replicas?: number }).replicas === 1 && (await podsOf('web')).length === 1;
    });
    assert.ok(await getPod('web-0'));
    await cp.kubectl.ok(['scale', 'statefulset', 'web', '--replicas=2']);
    await makeReady('web-1');
    await cp.kubectl.ok(['rollout', 'status', 'statefulset/web', '--timeout=20s']);
  });

  it('creates every pod at once under Parallel management and keeps claims on scale-down by default', async () => {
    await cp.kubectl.ok(['apply', '-f', '-'], { input: statefulSet('par', { replicas: 3, podManagementPolicy: 'Parallel', claims: true }) });
    await waitFor('3 pods without any ready', async () => (await podsOf('par')).length === 3);
    for (const pod of await podsOf('par')) assert.notEqual(pod.status && (pod.status as { phase?: string }).phase, 'Running');
    const claims = (await cp.client.list(RESOURCES.persistentvolumeclaims, ns)).items.map((c) => c.metadata.name).sort();
    assert.deepEqual(claims.filter((n) => n!.endsWith('-par-0') || n!.endsWith('-par-1') || n!.endsWith('-par-2')), ['data-par-0', 'data-par-1', 'data-par-2']);
    const par1 = (await getPod('par-1'))!;
    const volumes = (par1.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] }).volumes ?? [];
    assert.equal(volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-par-1');
    const claim = await cp.client.get(RESOURCES.persistentvolumeclaims, ns, 'data-par-1');
    assert.equal(claim.metadata.labels?.app, 'par');
    assert.equal(claim.metadata.ownerReferences, undefined, 'Retain/Retain claims have no owners');

    await cp.kubectl.ok(['scale', 'statefulset', 'par', '--replicas=0']);
    await waitFor('all par pods gone', async () => {
      // Pods a scheduler has bound terminate gracefully: finish them as their kubelet would.
      await cp.kubelet.finishTerminating();
      return (await podsOf('par')).length === 0;
    });
    const kept = await cp.client.get(RESOURCES.persistentvolumeclaims, ns, 'data-par-2');
    assert.equal(kept.metadata.deletionTimestamp, undefined);
  });

  it('hands claims to scaled-down pods under whenScaled: Delete and to the set under whenDeleted: Delete', async () => {
    autoReady('db');
    const claimOwners: string[][] = [];
    const listed = await cp.client.list(RESOURCES.persistentvolumeclaims, ns);
    const cancel = await cp.client.watch(RESOURCES.persistentvolumeclaims, ns, listed.resourceVersion, {}, {
      event: (_type, claim: KubeObject) => {
        if (claim.metadata.name === 'data-db-1') claimOwners.push((claim.metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}/${r.uid}/${r.controller}`));
      },
      closed: () => {},
    });
    const claimExists = async (name: string) => (await cp.client.list(RESOURCES.persistentvolumeclaims, ns)).items.some((c) => c.metadata.name === name);
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: statefulSet('db', { replicas: 2, claims: true, retention: { whenScaled: 'Delete', whenDeleted: 'Delete' } }) });
      await cp.kubectl.ok(['rollout', 'status', 'statefulset/db', '--timeout=20s']);
      const set = await getSet('db');
      const kept = await cp.client.get(RESOURCES.persistentvolumeclaims, ns, 'data-db-0');
      assert.deepEqual(kept.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [['StatefulSet', set.metadata.uid, true]]);
      const db1 = (await getPod('db-1'))!;

      await cp.kubectl.ok(['scale', 'statefulset', 'db', '--replicas=1']);
      await waitFor('db-1 gone', async () => (await getPod('db-1')) === undefined);
      // Before its pod went, the claim was handed from the set to the pod, so it goes with the pod.
      assert.deepEqual(claimOwners.at(-1), [`Pod/db-1/${db1.metadata.uid}/true`], JSON.stringify(claimOwners));
      await waitFor('data-db-1 collected', async () => {
        await collectOrphanedClaims();
        return !(await claimExists('data-db-1'));
      });
      assert.ok(await claimExists('data-db-0'));

      await cp.kubectl.ok(['delete', 'statefulset', 'db']);
      await waitFor('data-db-0 collected with its set', async () => {
        await collectOrphanedClaims();
        return !(await claimExists('data-db-0'));
      });
    } finally {
      cancel();
      cp.kubelet.stop();
    }
  });

  /**
   * The garbage collector's part for claims, so this test doesn't depend on
   * it: a claim whose owner no longer exists (by uid) is deleted.
   */
  async function collectOrphanedClaims(): Promise<void> {
    for (const claim of (await cp.client.list(RESOURCES.persistentvolumeclaims, ns)).items) {
      for (const ref of claim.metadata.ownerReferences ?? []) {
        const resource = ref.kind === 'Pod' ? RESOURCES.pods : RESOURCES.statefulsets;
        const owner = await cp.client.get(resource, ns, ref.name).catch(() => undefined);
        if (!owner || owner.metadata.uid !== ref.uid) await cp.client.delete(RESOURCES.persistentvolumeclaims, ns, claim.metadata.name!).catch(() => undefined);
      }
    }
  }

  it('rolls out from the highest ordinal down, only at or above the partition; history and undo work', async () => {
    autoReady('roll');
    const deletedOrder: string[] = [];
    const listed = await cp.client.list(RESOURCES.pods, ns);
    const cancel = await cp.client.watch(RESOURCES.pods, ns, listed.resourceVersion, { labelSelector: 'app=roll' }, {
      event: (type, pod: KubeObject) => {
        if (type === 'DELETED') deletedOrder.push(pod.metadata.name!);
      },
      closed: () => {},
    });
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: statefulSet('roll', { replicas: 3, partition: 2 }) });
      await cp.kubectl.ok(['rollout', 'status', 'statefulset/roll', '--timeout=20s']);
      const before = await getSet('roll');
      const firstRevision = (before.status as { updateRevision: string }).updateRevision;

      await cp.kubectl.ok(['set', 'image', 'statefulset/roll', 'app=registry.example/app:2']);
      const status = await cp.kubectl.ok(['rollout', 'status', 'statefulset/roll', '--timeout=20s']);
      assert.match(status, /partitioned roll out complete: 1 new pods have been updated/);
      const image = async (name: string) => ((await getPod(name))?.spec as { containers: { image: string }[] } | undefined)?.containers[0]!.image;
      assert.equal(await image('roll-2'), 'registry.example/app:2');
      assert.equal(await image('roll-1'), 'registry.example/app:1');
      assert.equal(await image('roll-0'), 'registry.example/app:1');
      const partitioned = (await getSet('roll')).status as { currentRevision: string; updateRevision: string; updatedReplicas: number; currentReplicas: number };
      assert.equal(partitioned.currentRevision, firstRevision);
      assert.notEqual(partitioned.updateRevision, firstRevision);
      assert.equal(partitioned.updatedReplicas, 1);
      assert.equal(partitioned.currentReplicas, 2);
      assert.equal((await getPod('roll-2'))?.metadata.labels?.['controller-revision-hash'], partitioned.updateRevision);
      assert.deepEqual(deletedOrder, ['roll-2']);

      await cp.kubectl.ok(['patch', 'statefulset', 'roll', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
      await cp.kubectl.ok(['rollout', 'status', 'statefulset/roll', '--timeout=20s']);
      await waitFor('all at app:2', async () => (await image('roll-0')) === 'registry.example/app:2' && (await image('roll-1')) === 'registry.example/app:2');
      assert.deepEqual(deletedOrder, ['roll-2', 'roll-1', 'roll-0']);
      await waitFor('rollout complete', async () => {
        const s = (await getSet('roll')).status as { currentRevision: string; updateRevision: string; currentReplicas: number };
        return s.currentRevision === s.updateRevision && s.currentReplicas === 3;
      });

      const history = await cp.kubectl.ok(['rollout', 'history', 'statefulset/roll']);
      assert.match(history, /^REVISION\s+CHANGE-CAUSE$/m);
      assert.match(history, /^1\s+<none>$/m);
      assert.match(history, /^2\s+<none>$/m);
      const revisions = (await cp.client.list(RESOURCES.controllerrevisions, ns, { labelSelector: 'app=roll' })).items;
      assert.equal(revisions.length, 2);
      const first = revisions.find((r) => r.metadata.name === firstRevision)!;
      assert.equal(first.revision, 1);
      assert.equal((first.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');

      assert.match(await cp.kubectl.ok(['rollout', 'undo', 'statefulset/roll']), /rolled back/);
      await waitFor('all back at app:1', async () => (await image('roll-0')) === 'registry.example/app:1' && (await image('roll-1')) === 'registry.example/app:1' && (await image('roll-2')) === 'registry.example/app:1');
      await cp.kubectl.ok(['rollout', 'status', 'statefulset/roll', '--timeout=20s']);
      const undone = (await getSet('roll')).status as { currentRevision: string; updateRevision: string };
      assert.equal(undone.updateRevision, firstRevision, 'the rollback reuses the first revision');
      const renumbered = await cp.client.get(RESOURCES.controllerrevisions, ns, firstRevision);
      assert.equal(renumbered.revision, 3);
      assert.match(await cp.kubectl.ok(['rollout', 'history', 'statefulset/roll']), /^2\s+<none>\n3\s+<none>/m);
    } finally {
      cancel();
      cp.kubelet.stop();
    }
  });
});
