// ReplicaSet controller against a real in-process k8ts server, driven by the
// real kubectl; the test plays the kubelet (binds pods, reports readiness).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES } from '../../src/client/api-client.js';
import { ManualClock } from '../../src/time/clock.js';
import { waitFor } from '../e2e/harness.js';
import type { ApiClient } from '../../src/client/api-client.js';
import { ReplicaSetController } from '../../src/controllers/replicaset/replicaset-controller.js';
import { startControlPlane, type ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

interface RsStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

function replicaSet(name: string, replicas: number, opts: { labels?: Record<string, string>; minReadySeconds?: number; image?: string; nodeSelector?: Record<string, string> } = {}): string {
  const labels = opts.labels ?? { app: name };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      minReadySeconds: opts.minReadySeconds,
      selector: { matchLabels: { app: labels.app } },
      template: { metadata: { labels }, spec: { nodeSelector: opts.nodeSelector, containers: [{ name: 'c', image: opts.image ?? 'nginx:1.27' }] } },
    },
  });
}

async function podsOf(cp: ControlPlane, app: string): Promise<KubeObject[]> {
  return (await cp.client.list(RESOURCES.pods, 'default', { labelSelector: `app=${app}` })).items;
}

async function activePodsOf(cp: ControlPlane, app: string): Promise<KubeObject[]> {
  return (await podsOf(cp, app)).filter((p) => !p.metadata.deletionTimestamp);
}

/** Names of every pod of `app` created from now on, seen through a watch (deleted ones included). */
async function watchCreatedPods(cp: ControlPlane, app: string): Promise<{ created: Set<string>; cancel: () => void }> {
  const created = new Set<string>();
  const { resourceVersion } = await cp.client.list(RESOURCES.pods, 'default');
  const cancel = await cp.client.watch(RESOURCES.pods, 'default', resourceVersion, { labelSelector: `app=${app}` }, {
    event: (type, pod) => {
      if (type === 'ADDED') created.add(pod.metadata.name!);
    },
    closed: () => {},
  });
  return { created, cancel };
}

/** Binds a pod unless a scheduler already did. */
async function ensureBound(cp: ControlPlane, pod: KubeObject): Promise<void> {
  const current = await cp.client.get(RESOURCES.pods, 'default', pod.metadata.name!);
  if (!(current.spec as { nodeName?: string }).nodeName) await cp.kubelet.bind(current, 'node-1');
}

async function rsStatus(cp: ControlPlane, name: string): Promise<{ rs: KubeObject; status: RsStatus }> {
  const rs = await cp.client.get(RESOURCES.replicasets, 'default', name);
  return { rs, status: (rs.status ?? {}) as RsStatus };
}

async function eventsFor(cp: ControlPlane, name: string, reason: string): Promise<{ message: string; count: number }[]> {
  const { items } = await cp.client.list(RESOURCES.events, 'default');
  return items
    .filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason)
    .map((e) => ({ message: e.message as string, count: (e.count as number | undefined) ?? 1 }));
}

describe('ReplicaSet controller', () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane();
    await cp.kubelet.createNode('node-1');
  });

  after(async () => {
    await cp.close();
  });

  it('converges after kubectl scale up and down, creating each pod once', async () => {
    const { created, cancel } = await watchCreatedPods(cp, 'scale');
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === 'scale');
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: replicaSet('scale', 2) });
      await waitFor('2 ready replicas', async () => (await rsStatus(cp, 'scale')).status.readyReplicas === 2);

      await cp.kubectl.ok(['scale', 'replicaset/scale', '--replicas=5']);
      await waitFor('5 ready replicas', async () => {
        const { rs, status } = await rsStatus(cp, 'scale');
        return status.readyReplicas === 5 && status.replicas === 5 && status.observedGeneration === rs.metadata.generation;
      });
      assert.equal((await activePodsOf(cp, 'scale')).length, 5);
      assert.equal(created.size, 5, `pods created: ${[...created].join(', ')}`);

      await cp.kubectl.ok(['scale', 'replicaset/scale', '--replicas=1']);
      await waitFor('1 replica', async () => {
        const { rs, status } = await rsStatus(cp, 'scale');
        return status.replicas === 1 && status.readyReplicas === 1 && status.observedGeneration === rs.metadata.generation;
      });
      assert.equal((await activePodsOf(cp, 'scale')).length, 1);
      assert.equal(created.size, 5, 'scaling down creates nothing');
      const got = JSON.parse(await cp.kubectl.ok(['get', 'rs', 'scale', '-o', 'json'])) as { status: RsStatus };
      assert.equal(got.status.availableReplicas, 1);
      await waitFor('SuccessfulCreate and SuccessfulDelete events', async () =>
        (await eventsFor(cp, 'scale', 'SuccessfulCreate')).length === 5 && (await eventsFor(cp, 'scale', 'SuccessfulDelete')).length === 4);
      assert.match((await eventsFor(cp, 'scale', 'SuccessfulCreate'))[0]!.message, /^Created pod: scale-/);
      assert.match((await eventsFor(cp, 'scale', 'SuccessfulDelete'))[0]!.message, /^Deleted pod: scale-/);
    } finally {
      cp.kubelet.stop();
      cancel();
    }
  });

  it('adopts matching orphans and releases pods whose labels change', async () => {
    const orphan = await cp.client.create(RESOURCES.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'adopt-orphan', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    await cp.kubectl.ok(['create', '-f', '-'], { input: replicaSet('adopt', 2) });
    const rs = await cp.client.get(RESOURCES.replicasets, 'default', 'adopt');
    await waitFor('orphan adopted', async () => {
      const pod = await cp.client.get(RESOURCES.pods, 'default', 'adopt-orphan');
      return pod.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller);
    });
    await waitFor('2 replicas', async () => (await rsStatus(cp, 'adopt')).status.replicas === 2);
    const pods = await activePodsOf(cp, 'adopt');
    assert.equal(pods.length, 2, 'the orphan counts as one of the two replicas');
    assert.ok(pods.some((p) => p.metadata.uid === orphan.metadata.uid));

    await cp.kubectl.ok(['label', 'pod', 'adopt-orphan', 'app=elsewhere', '--overwrite']);
    await waitFor('orphan released', async () => {
      const pod = await cp.client.get(RESOURCES.pods, 'default', 'adopt-orphan');
      return (pod.metadata.ownerReferences ?? []).length === 0;
    });
    await waitFor('a replacement pod', async () => (await activePodsOf(cp, 'adopt')).length === 2);
    const replaced = await activePodsOf(cp, 'adopt');
    assert.ok(replaced.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid));
    assert.ok(!replaced.some((p) => p.metadata.name === 'adopt-orphan'));
  });

  it('deletes unscheduled and not-ready pods first when scaling down', async () => {
    // A node selector no node matches keeps any scheduler away: the test decides what is scheduled.
    await cp.kubectl.ok(['create', '-f', '-'], { input: replicaSet('prefer', 4, { nodeSelector: { disk: 'none' } }) });
    const pods = await waitFor('4 pods', async () => {
      const list = await activePodsOf(cp, 'prefer');
      return list.length === 4 ? list : undefined;
    });
    // Two ready, one running but not ready, one never scheduled.
    const [readyA, readyB, notReady, unscheduled] = pods as [KubeObject, KubeObject, KubeObject, KubeObject];
    for (const pod of [readyA, readyB, notReady]) await cp.kubelet.bind(pod, 'node-1');
    await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, 'default', readyA.metadata.name!), true);
    await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, 'default', readyB.metadata.name!), true);
    await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, 'default', notReady.metadata.name!), false);
    await waitFor('2 ready replicas', async () => (await rsStatus(cp, 'prefer')).status.readyReplicas === 2);

    await cp.kubectl.ok(['scale', 'rs/prefer', '--replicas=3']);
    await waitFor('3 active pods', async () => (await activePodsOf(cp, 'prefer')).length === 3);
    let left = new Set((await activePodsOf(cp, 'prefer')).map((p) => p.metadata.name));
    assert.ok(!left.has(unscheduled.metadata.name), 'the unscheduled pod goes first');

    await cp.kubectl.ok(['scale', 'rs/prefer', '--replicas=2']);
    await waitFor('2 active pods', async () => (await activePodsOf(cp, 'prefer')).length === 2);
    left = new Set((await activePodsOf(cp, 'prefer')).map((p) => p.metadata.name));
    assert.deepEqual(left, new Set([readyA.metadata.name, readyB.metadata.name]), 'the not-ready pod goes next; ready pods stay');
    await waitFor('status 2/2 ready', async () => {
      const { status } = await rsStatus(cp, 'prefer');
      return status.replicas === 2 && status.readyReplicas === 2;
    });
  });

  it('reports FailedCreate and retries one pod at a time when the API rejects the template', async () => {
    // Pod validation (not template validation) rejects an image with surrounding spaces, as in Kubernetes.
    await cp.kubectl.ok(['create', '-f', '-'], { input: replicaSet('broken', 10, { image: ' nginx ' }) });
    const attempts = async () => (await eventsFor(cp, 'broken', 'FailedCreate')).reduce((n, e) => n + e.count, 0);
    const seen = await waitFor('a few failed creates', async () => {
      const n = await attempts();
      return n >= 2 ? n : undefined;
    }, 20_000, 5);
    // Without slow start the first sync alone would try all ten.
    assert.ok(seen <= 6, `expected a few create attempts, saw ${seen}`);
    const events = await eventsFor(cp, 'broken', 'FailedCreate');
    assert.match(events[0]!.message, /^Error creating: .*image.*whitespace/);
    const { status } = await waitFor('ReplicaFailure condition', async () => {
      const got = await rsStatus(cp, 'broken');
      return got.status.conditions?.some((c) => c.type === 'ReplicaFailure') ? got : undefined;
    });
    const failure = status.conditions!.find((c) => c.type === 'ReplicaFailure')!;
    assert.equal(failure.status, 'True');
    assert.equal(failure.reason, 'FailedCreate');
    assert.equal((await podsOf(cp, 'broken')).length, 0);

    // Fixing the template clears the condition.
    await cp.kubectl.ok(['set', 'image', 'rs/broken', 'c=nginx:1.27']);
    await cp.kubectl.ok(['scale', 'rs/broken', '--replicas=1']);
    await waitFor('condition cleared and one pod', async () => {
      const got = await rsStatus(cp, 'broken');
      return got.status.replicas === 1 && !got.status.conditions?.some((c) => c.type === 'ReplicaFailure');
    });
  });
});

describe('ReplicaSet status on a manual clock', () => {
  let cp: ControlPlane;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock();
    cp = await startControlPlane({ clock });
    await cp.kubelet.createNode('node-1');
  });

  after(async () => {
    await cp.close();
  });

  it('counts ready, available (after minReadySeconds), fully labeled replicas and observedGeneration', async () => {
    // An orphan with the selector's label but not the template's second label.
    await cp.client.create(RESOURCES.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'status-orphan', labels: { app: 'status' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    await cp.kubectl.ok(['create', '-f', '-'], { input: replicaSet('status', 2, { labels: { app: 'status', tier: 'web' }, minReadySeconds: 5 }) });
    const pods = await waitFor('2 pods', async () => {
      const list = await activePodsOf(cp, 'status');
      return list.length === 2 && list.every((p) => p.metadata.ownerReferences?.length) ? list : undefined;
    });
    for (const pod of pods) {
      await ensureBound(cp, pod);
      await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, 'default', pod.metadata.name!), true);
    }
    const ready = await waitFor('2 ready replicas', async () => {
      const got = await rsStatus(cp, 'status');
      return got.status.readyReplicas === 2 ? got : undefined;
    });
    assert.equal(ready.status.replicas, 2);
    assert.equal(ready.status.fullyLabeledReplicas, 1, 'the orphan lacks tier=web');
    assert.equal(ready.status.availableReplicas, undefined, 'not available before minReadySeconds');
    assert.equal(ready.status.observedGeneration, 1);

    // Nothing about the pods changes: only the controller's own requeue on the wheel can notice.
    clock.advanceBy(5000);
    await waitFor('2 available replicas', async () => (await rsStatus(cp, 'status')).status.availableReplicas === 2);

    await cp.kubectl.ok(['scale', 'rs/status', '--replicas=3']);
    await waitFor('observedGeneration 2', async () => {
      const { status } = await rsStatus(cp, 'status');
      return status.observedGeneration === 2 && status.replicas === 3 && status.readyReplicas === 2 && status.fullyLabeledReplicas === 2;
    });
  });
});

describe('ReplicaSet controller with a lagging pod informer', () => {
  let cp: ControlPlane;
  const POD_EVENT_DELAY_MS = 300;

  /** The controller's client, with pod watch events delivered late: its cache lags its own creates. */
  function laggingPodWatch(client: ApiClient): ApiClient {
    const watch: ApiClient['watch'] = (ref, namespace, rv, opts, handlers) => client.watch(ref, namespace, rv, opts, ref.resource !== 'pods' ? handlers : {
      event: (type, obj) => setTimeout(() => handlers.event(type, obj), POD_EVENT_DELAY_MS),
      closed: (err) => setTimeout(() => handlers.closed(err), POD_EVENT_DELAY_MS),
    });
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'watch') return watch;
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  before(async () => {
    cp = await startControlPlaneWith([(ctx) => new ReplicaSetController(ctx)], { wrapClient: laggingPodWatch });
  });

  after(async () => {
    await cp.close();
  });

  it('does not create pods twice before its informer has seen them', async () => {
    const { created, cancel } = await watchCreatedPods(cp, 'lag');
    try {
      await cp.kubectl.ok(['create', '-f', '-'], { input: replicaSet('lag', 3) });
      // The first sync writes status (observedGeneration), whose event syncs again while the pods are still unseen.
      await waitFor('3 replicas seen', async () => (await rsStatus(cp, 'lag')).status.replicas === 3);
      assert.equal(created.size, 3, `pods created: ${[...created].join(', ')}`);
    } finally {
      cancel();
    }
  });
});
