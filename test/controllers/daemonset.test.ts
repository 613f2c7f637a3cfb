// The DaemonSet controller against a real in-process k8ts server, driven by
// the real kubectl. The test plays the scheduler (binding each daemon pod to
// the node its required affinity names) and the kubelets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import type { KubeObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from './harness.js';
import { waitFor } from '../e2e/harness.js';

interface PodSpecView {
  nodeName?: string;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchFields?: { key: string; operator: string; values: string[] }[] }[] } } };
  containers: { image: string }[];
}

const specOf = (pod: KubeObject) => pod.spec as PodSpecView;

/** The node a daemon pod's required affinity names. */
function affinityNode(pod: KubeObject): string | undefined {
  const terms = specOf(pod).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms[0]?.matchFields?.find((f) => f.key === 'metadata.name' && f.operator === 'In')?.values[0];
}

function daemonSet(name: string, extra: { nodeSelector?: Record<string, string>; tolerations?: unknown[]; maxUnavailable?: number } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: extra.maxUnavailable ?? 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: extra.nodeSelector,
          tolerations: extra.tolerations,
          containers: [{ name: 'agent', image: 'registry.example/agent:1' }],
        },
      },
    },
  });
}

describe('DaemonSet controller', () => {
  let cp: ControlPlane;
  const ns = 'default';
  let kubeletTimer: NodeJS.Timeout | undefined;
  let kubeletBusy = false;

  before(async () => {
    cp = await startControlPlane();
  });

  after(async () => {
    if (kubeletTimer) clearInterval(kubeletTimer);
    await cp?.close();
  });

  const daemonPods = async (app: string) => (await cp.client.list(RESOURCES.pods, ns, { labelSelector: `app=${app}` })).items;
  const liveDaemonPods = async (app: string) => (await daemonPods(app)).filter((p) => !p.metadata.deletionTimestamp);
  const nodesWithPods = async (app: string) => (await liveDaemonPods(app)).map((p) => specOf(p).nodeName ?? affinityNode(p)).sort();
  const getDs = (name: string) => cp.client.get(RESOURCES.daemonsets, ns, name);

  /**
   * Scheduler and kubelets in one loop: binds each daemon pod to the node its
   * affinity names, reports it Running and Ready, and removes terminating pods.
   */
  function startNodes(): void {
    kubeletTimer = setInterval(() => {
      if (kubeletBusy) return;
      kubeletBusy = true;
      void (async () => {
        for (const pod of (await cp.client.list(RESOURCES.pods, ns)).items) {
          try {
            if (pod.metadata.deletionTimestamp) {
              await cp.client.delete(RESOURCES.pods, ns, pod.metadata.name!, { gracePeriodSeconds: 0 });
              continue;
            }
            if ((pod.status as { phase?: string }).phase === 'Running') continue;
            const node = affinityNode(pod);
            if (!specOf(pod).nodeName && node) await cp.client.bindPod(ns, pod.metadata.name!, node);
            await cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, ns, pod.metadata.name!));
          } catch {
            // Gone, or bound meanwhile: the next round sees the new state.
          }
        }
      })().finally(() => (kubeletBusy = false));
    }, 20);
  }

  /** Watches a DaemonSet's pods, tracking the most nodes without a ready live daemon, and the most pods on one node. */
  async function trackRollout(app: string, nodeCount: number) {
    const pods = new Map<string, KubeObject>();
    for (const pod of await daemonPods(app)) pods.set(pod.metadata.name!, pod);
    const tracked = { maxUnavailable: 0, maxPodsOnANode: 0, stop: () => {} };
    const measure = () => {
      const readyNodes = new Set<string>();
      const perNode = new Map<string, number>();
      for (const pod of pods.values()) {
        const node = specOf(pod).nodeName ?? affinityNode(pod)!;
        if (!pod.metadata.deletionTimestamp) perNode.set(node, (perNode.get(node) ?? 0) + 1);
        const ready = (pod.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        if (ready && !pod.metadata.deletionTimestamp && specOf(pod).nodeName) readyNodes.add(node);
      }
      tracked.maxUnavailable = Math.max(tracked.maxUnavailable, nodeCount - readyNodes.size);
      tracked.maxPodsOnANode = Math.max(tracked.maxPodsOnANode, ...perNode.values());
    };
    const listed = await cp.client.list(RESOURCES.pods, ns, { labelSelector: `app=${app}` });
    tracked.stop = await cp.client.watch(RESOURCES.pods, ns, listed.resourceVersion, { labelSelector: `app=${app}` }, {
      event: (type, pod: KubeObject) => {
        if (type === 'DELETED') pods.delete(pod.metadata.name!);
        else pods.set(pod.metadata.name!, pod);
        measure();
      },
      closed: () => {},
    });
    return tracked;
  }

  it('runs one pod per eligible node as nodes and taints come and go', async () => {
    await cp.kubelet.createNode('n1', { labels: { disk: 'ssd' } });
    await cp.kubelet.createNode('n2', { labels: { disk: 'hdd' } });
    startNodes();
    await cp.kubectl.ok(['apply', '-f', '-'], { input: daemonSet('agent') });
    await cp.kubectl.ok(['rollout', 'status', 'daemonset/agent', '--timeout=20s']);
    assert.deepEqual(await nodesWithPods('agent'), ['n1', 'n2']);

    const [pod] = await liveDaemonPods('agent');
    const tolerations = specOf(pod!).tolerations!.map((t) => `${t.key}:${t.operator}:${t.effect}`);
    for (const expected of ['node.kubernetes.io/not-ready:Exists:NoExecute', 'node.kubernetes.io/unreachable:Exists:NoExecute', 'node.kubernetes.io/disk-pressure:Exists:NoSchedule',
      'node.kubernetes.io/memory-pressure:Exists:NoSchedule', 'node.kubernetes.io/pid-pressure:Exists:NoSchedule', 'node.kubernetes.io/unschedulable:Exists:NoSchedule']) {
      assert.ok(tolerations.includes(expected), `missing toleration ${expected} in ${tolerations.join(', ')}`);
    }
    assert.ok(!tolerations.some((t) => t.startsWith('node.kubernetes.io/network-unavailable')), 'network-unavailable is only for hostNetwork pods');
    assert.equal(affinityNode(pod!), specOf(pod!).nodeName);
    assert.match(pod!.metadata.labels?.['controller-revision-hash'] ?? '', /^[a-z0-9]+$/);
    const status = (await getDs('agent')).status as Record<string, number>;
    assert.deepEqual(
      [status.desiredNumberScheduled, status.currentNumberScheduled, status.numberReady, status.numberAvailable, status.updatedNumberScheduled, status.numberMisscheduled, status.numberUnavailable ?? 0],
      [2, 2, 2, 2, 2, 0, 0],
    );
    const events = (await cp.client.list(RESOURCES.events, ns)).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes(`SuccessfulCreate: Created pod: ${pod!.metadata.name}`), events.join('\n'));

    // A node whose NoSchedule taint the daemon doesn't tolerate gets no pod; an untainted one added with it does.
    await cp.kubelet.createNode('n3', { labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await cp.kubelet.createNode('n4');
    await waitFor('a pod on n4', async () => (await nodesWithPods('agent')).includes('n4'));
    const desired = await waitFor('status counts n4', async () => {
      const count = ((await getDs('agent')).status as Record<string, number>).desiredNumberScheduled!;
      return count > 2 ? count : undefined;
    });
    assert.equal(desired, 3, 'the tainted node counts as desired');
    assert.deepEqual(await nodesWithPods('agent'), ['n1', 'n2', 'n4']);

    // Without the taint, n3 gets its pod.
    await cp.kubectl.ok(['taint', 'nodes', 'n3', 'dedicated-']);
    await waitFor('a pod on n3', async () => (await nodesWithPods('agent')).includes('n3'));

    // A NoExecute taint the daemon doesn't tolerate evicts it; a NoSchedule one would not.
    await cp.kubectl.ok(['taint', 'nodes', 'n2', 'dedicated=gpu:NoSchedule']);
    await cp.kubectl.ok(['taint', 'nodes', 'n3', 'maintenance=true:NoExecute']);
    await waitFor('n3 pod evicted', async () => !(await nodesWithPods('agent')).includes('n3'));
    assert.ok((await nodesWithPods('agent')).includes('n2'), 'an untolerated NoSchedule taint must not evict a running daemon');

    // A node that goes takes its daemon pod with it.
    await cp.kubectl.ok(['delete', 'node', 'n4']);
    await waitFor('n4 pod gone', async () => !(await daemonPods('agent')).some((p) => specOf(p).nodeName === 'n4'));
    await cp.kubectl.ok(['rollout', 'status', 'daemonset/agent', '--timeout=20s']);
    assert.deepEqual(await nodesWithPods('agent'), ['n1', 'n2']);
  });

  it('respects nodeSelector, and a toleration added to the template brings pods to tainted nodes', async () => {
    // n1: ssd; n2: hdd, dedicated=gpu:NoSchedule; n3: ssd, maintenance=true:NoExecute.
    await cp.kubectl.ok(['apply', '-f', '-'], { input: daemonSet('ssd', { nodeSelector: { disk: 'ssd' } }) });
    await cp.kubectl.ok(['rollout', 'status', 'daemonset/ssd', '--timeout=20s']);
    assert.deepEqual(await nodesWithPods('ssd'), ['n1']);
    assert.equal(((await getDs('ssd')).status as Record<string, number>).desiredNumberScheduled, 1);

    await cp.kubectl.ok(['patch', 'daemonset', 'ssd', '--type=merge', '-p', JSON.stringify({ spec: { template: { spec: { tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }] } } } })]);
    await waitFor('a pod on n3', async () => (await nodesWithPods('ssd')).includes('n3'));
    await cp.kubectl.ok(['rollout', 'status', 'daemonset/ssd', '--timeout=20s']);
    assert.deepEqual(await nodesWithPods('ssd'), ['n1', 'n3']);
    const history = await cp.kubectl.ok(['rollout', 'history', 'daemonset/ssd']);
    assert.match(history, /^1\s+<none>\n2\s+<none>/m);
  });

  it('rolls out a new template one node at a time under maxUnavailable: 1', async () => {
    await cp.kubectl.ok(['taint', 'nodes', 'n2', 'dedicated-']);
    await cp.kubectl.ok(['taint', 'nodes', 'n3', 'maintenance-']);
    await cp.kubelet.createNode('n5');
    await cp.kubectl.ok(['rollout', 'status', 'daemonset/agent', '--timeout=20s']);
    assert.deepEqual(await nodesWithPods('agent'), ['n1', 'n2', 'n3', 'n5']);

    const rollout = await trackRollout('agent', 4);
    try {
      await cp.kubectl.ok(['set', 'image', 'daemonset/agent', 'agent=registry.example/agent:2']);
      await cp.kubectl.ok(['rollout', 'status', 'daemonset/agent', '--timeout=30s']);
      const images = (await liveDaemonPods('agent')).map((p) => specOf(p).containers[0]!.image);
      assert.deepEqual(images, ['registry.example/agent:2', 'registry.example/agent:2', 'registry.example/agent:2', 'registry.example/agent:2']);
      assert.ok(rollout.maxUnavailable >= 1, 'the rollout never replaced a pod');
      assert.equal(rollout.maxUnavailable, 1, 'more nodes than maxUnavailable were without a ready daemon');
      const status = (await getDs('agent')).status as Record<string, number>;
      assert.equal(status.updatedNumberScheduled, 4);
      assert.equal(status.numberAvailable, 4);
    } finally {
      rollout.stop();
    }
  });

  it('surges under maxSurge: 1, never leaving a node without a ready daemon', async () => {
    await cp.kubectl.ok(['patch', 'daemonset', 'agent', '--type=merge', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}']);
    const rollout = await trackRollout('agent', 4);
    try {
      await cp.kubectl.ok(['set', 'image', 'daemonset/agent', 'agent=registry.example/agent:3']);
      await cp.kubectl.ok(['rollout', 'status', 'daemonset/agent', '--timeout=30s']);
      await waitFor('old pods gone', async () => (await daemonPods('agent')).every((p) => specOf(p).containers[0]!.image === 'registry.example/agent:3'));
      assert.equal(rollout.maxUnavailable, 0, 'a node was without a ready daemon during a surge rollout');
      assert.ok(rollout.maxPodsOnANode >= 2, 'no new pod started next to an old one');
      assert.ok(rollout.maxPodsOnANode <= 2);
    } finally {
      rollout.stop();
    }
  });

  it('replaces pods only when they are deleted under OnDelete', async () => {
    await cp.kubectl.ok(['patch', 'daemonset', 'ssd', '--type=merge', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}']);
    await cp.kubectl.ok(['set', 'image', 'daemonset/ssd', 'agent=registry.example/agent:2']);
    await waitFor('the change observed', async () => {
      const ds = await getDs('ssd');
      return (ds.status as { observedGeneration?: number }).observedGeneration === ds.metadata.generation;
    });
    assert.equal(((await getDs('ssd')).status as Record<string, number>).updatedNumberScheduled, 0);
    const [first] = await liveDaemonPods('ssd');
    await cp.kubectl.ok(['delete', 'pod', first!.metadata.name!, '--wait=false']);
    await waitFor('one pod updated', async () => ((await getDs('ssd')).status as Record<string, number>).updatedNumberScheduled === 1);
    const images = (await liveDaemonPods('ssd')).map((p) => specOf(p).containers[0]!.image).sort();
    assert.deepEqual(images, ['registry.example/agent:1', 'registry.example/agent:2']);
  });
});
