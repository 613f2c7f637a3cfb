// Deployment controller against a real in-process k8ts server (with the
// ReplicaSet controller), driven by the real kubectl; the test plays the
// kubelet, making pods ready when it wants the rollout to move.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES } from '../../src/client/api-client.js';
import { isPodReady } from '../../src/controllers/common/pods.js';
import type { DeploymentStatus } from '../../src/controllers/deployment/deployment-types.js';
import { resolveFenceposts } from '../../src/controllers/deployment/fenceposts.js';
import { spawn } from 'node:child_process';
import { KUBECTL, waitFor } from '../e2e/harness.js';
import { startControlPlane, type ControlPlane } from './harness.js';

interface DeploymentOptions {
  replicas: number;
  image?: string;
  strategy?: Record<string, unknown>;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
}

function deployment(name: string, opts: DeploymentOptions): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: name } },
      strategy: opts.strategy,
      progressDeadlineSeconds: opts.progressDeadlineSeconds,
      revisionHistoryLimit: opts.revisionHistoryLimit,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: opts.image ?? 'nginx:1.26' }] } },
    },
  });
}


async function getDeployment(cp: ControlPlane, name: string): Promise<KubeObject & { status?: DeploymentStatus }> {
  return cp.client.get(RESOURCES.deployments, 'default', name) as Promise<KubeObject & { status?: DeploymentStatus }>;
}

async function replicaSetsOf(cp: ControlPlane, app: string): Promise<KubeObject[]> {
  const { items } = await cp.client.list(RESOURCES.replicasets, 'default', { labelSelector: `app=${app}` });
  return items.sort((a, b) => revision(a) - revision(b));
}

function revision(obj: KubeObject): number {
  return Number(obj.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

const specReplicas = (rs: KubeObject) => (rs.spec as { replicas?: number }).replicas ?? 0;
const statusOf = (obj: KubeObject) => (obj.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
const podImage = (pod: KubeObject) => (pod.spec as { containers: { image: string }[] }).containers[0]!.image;
const imageOf = (obj: KubeObject) => ((obj.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image);

async function podsOf(cp: ControlPlane, app: string): Promise<KubeObject[]> {
  return (await cp.client.list(RESOURCES.pods, 'default', { labelSelector: `app=${app}` })).items;
}

async function eventMessages(cp: ControlPlane, name: string, reason: string): Promise<string[]> {
  const { items } = await cp.client.list(RESOURCES.events, 'default');
  return items
    .filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason)
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => e.message as string);
}

/**
 * Waits until the controllers have nothing left to do for `app`: every
 * ReplicaSet's status matches its spec and its pods, the Deployment's status
 * matches its sets, and two polls in a row see the same objects.
 */
async function settled(cp: ControlPlane, app: string): Promise<{ d: KubeObject & { status?: DeploymentStatus }; sets: KubeObject[]; pods: KubeObject[] }> {
  let previous = '';
  return waitFor(`${app} to settle`, async () => {
    const d = await getDeployment(cp, app);
    const sets = await replicaSetsOf(cp, app);
    const pods = (await podsOf(cp, app)).filter((p) => !p.metadata.deletionTimestamp);
    const status = d.status ?? {};
    const consistent = status.observedGeneration === d.metadata.generation
      && sets.every((rs) => {
        const owned = pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
        const s = statusOf(rs);
        return s.observedGeneration === rs.metadata.generation && (s.replicas ?? 0) === specReplicas(rs) && owned.length === specReplicas(rs)
          && (s.readyReplicas ?? 0) === owned.filter(isPodReady).length;
      })
      && (status.replicas ?? 0) === sets.reduce((n, rs) => n + (statusOf(rs).replicas ?? 0), 0)
      && (status.availableReplicas ?? 0) === sets.reduce((n, rs) => n + (statusOf(rs).availableReplicas ?? 0), 0);
    const fingerprint = JSON.stringify([d.metadata.resourceVersion, ...sets.map((rs) => rs.metadata.resourceVersion), ...pods.map((p) => p.metadata.resourceVersion)]);
    const stable = consistent && fingerprint === previous;
    previous = consistent ? fingerprint : '';
    return stable ? { d, sets, pods } : undefined;
  }, 20_000, 30);
}

/** Starts kubectl without waiting for it, so a test can watch its output as it runs. */
function startKubectl(cp: ControlPlane, args: string[]): { output: () => string; exit: Promise<number | null> } {
  const child = spawn(KUBECTL, ['--kubeconfig', cp.kubectl.kubeconfig, '--cache-dir', cp.kubectl.cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { output: () => output, exit: new Promise((resolve) => child.on('close', resolve)) };
}

/** Binds (if no scheduler did) and reports a pod Running and Ready. */
async function makeReady(cp: ControlPlane, pod: KubeObject): Promise<void> {
  let current = await cp.client.get(RESOURCES.pods, 'default', pod.metadata.name!);
  if (!(current.spec as { nodeName?: string }).nodeName) {
    await cp.kubelet.bind(current, 'node-1');
    current = await cp.client.get(RESOURCES.pods, 'default', pod.metadata.name!);
  }
  await cp.kubelet.setRunning(current, true);
}

describe('Deployment controller', () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane();
    await cp.kubelet.createNode('node-1');
  });

  after(async () => {
    await cp.close();
  });

  it('rolls out within maxSurge and maxUnavailable at every step, then undoes to the previous template', async () => {
    const app = 'roll';
    await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 4 }) });
    const rolloutStatus = startKubectl(cp, ['rollout', 'status', `deployment/${app}`, '--timeout=30s']);
    const initial = await waitFor('4 pods', async () => {
      const pods = await podsOf(cp, app);
      return pods.length === 4 ? pods : undefined;
    });
    await waitFor('rollout status waiting', () => /Waiting for deployment "roll" rollout to finish: 0 of 4 updated replicas are available/.test(rolloutStatus.output()));
    for (const pod of initial) await makeReady(cp, pod);
    assert.equal(await rolloutStatus.exit, 0, rolloutStatus.output());
    assert.match(rolloutStatus.output(), /deployment "roll" successfully rolled out/);
    const [rs1] = await replicaSetsOf(cp, app);
    const hash = rs1!.metadata.labels!['pod-template-hash'];
    assert.equal(rs1!.metadata.name, `roll-${hash}`);
    assert.equal(revision(rs1!), 1);
    assert.equal((await getDeployment(cp, app)).metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.match((await eventMessages(cp, app, 'ScalingReplicaSet'))[0]!, new RegExp(`^Scaled up replica set roll-${hash} from 0 to 4$`));

    // replicas 4 with the default 25%/25%: at most 5 pods, at least 3 available.
    await cp.kubectl.ok(['set', 'image', `deployment/${app}`, 'c=nginx:1.27']);
    let steps = 0;
    for (;;) {
      const { d, sets, pods } = await settled(cp, app);
      assert.ok(pods.length <= 5, `step ${steps}: ${pods.length} pods exceed replicas + maxSurge`);
      const available = pods.filter(isPodReady).length;
      assert.ok(available >= 3, `step ${steps}: ${available} available pods fall below replicas - maxUnavailable`);
      assert.ok((d.status?.replicas ?? 0) <= 5 && (d.status?.availableReplicas ?? 0) >= 3);
      const newRS = sets.find((rs) => imageOf(rs) === 'nginx:1.27');
      if (newRS && specReplicas(newRS) === 4 && statusOf(newRS).availableReplicas === 4 && sets.every((rs) => rs === newRS || specReplicas(rs) === 0)) break;
      const pending = pods.filter((p) => !isPodReady(p)).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
      assert.ok(pending.length > 0, `step ${steps}: the rollout is stuck with nothing to make ready`);
      await makeReady(cp, pending[0]!);
      await cp.kubelet.finishTerminating();
      steps++;
    }
    assert.ok(steps >= 4, `the rollout went in steps (${steps})`);
    const sets = await replicaSetsOf(cp, app);
    assert.equal(sets.length, 2, 'the image change made one new ReplicaSet');
    assert.deepEqual(sets.map(revision), [1, 2]);
    await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=10s']);
    const rolled = await getDeployment(cp, app);
    assert.equal(rolled.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.deepEqual(
      (rolled.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason]).sort(),
      [['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']],
    );
    assert.equal(sets[1]!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '4');
    assert.equal(sets[1]!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '5');

    // Undo: kubectl patches the template back; the controller reuses the first set under revision 3.
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === app);
    try {
      await cp.kubectl.ok(['rollout', 'undo', `deployment/${app}`]);
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
    } finally {
      cp.kubelet.stop();
    }
    const undone = await replicaSetsOf(cp, app);
    assert.equal(undone.length, 2, 'no new ReplicaSet for a template that has one');
    const reused = undone.find((rs) => rs.metadata.uid === rs1!.metadata.uid)!;
    assert.equal(revision(reused), 3);
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(specReplicas(reused), 4);
    assert.equal(imageOf(await getDeployment(cp, app)), 'nginx:1.26');
    const history = await cp.kubectl.ok(['rollout', 'history', `deployment/${app}`]);
    assert.match(history, /^2\s/m);
    assert.match(history, /^3\s/m);
    assert.doesNotMatch(history, /^1\s/m);
  });

  it('pauses, resumes and restarts', async () => {
    const app = 'pause';
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === app);
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 2 }) });
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      await cp.kubectl.ok(['rollout', 'pause', `deployment/${app}`]);
      await cp.kubectl.ok(['set', 'image', `deployment/${app}`, 'c=nginx:1.27']);
      const paused = await waitFor('the paused change observed', async () => {
        const d = await getDeployment(cp, app);
        const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
        return d.status?.observedGeneration === d.metadata.generation && progressing?.reason === 'DeploymentPaused' ? d : undefined;
      });
      assert.equal(paused.status?.conditions?.find((c) => c.type === 'Progressing')?.status, 'Unknown');
      assert.equal((await replicaSetsOf(cp, app)).length, 1, 'a paused Deployment does not roll');

      await cp.kubectl.ok(['rollout', 'resume', `deployment/${app}`]);
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      let sets = await replicaSetsOf(cp, app);
      assert.equal(sets.length, 2);
      assert.equal(imageOf(sets[1]!), 'nginx:1.27');

      await cp.kubectl.ok(['rollout', 'restart', `deployment/${app}`]);
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      sets = await replicaSetsOf(cp, app);
      assert.equal(sets.length, 3, 'a restart is a new template');
      const restarted = sets[2]!;
      assert.ok((restarted.spec as { template: KubeObject }).template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
      assert.equal(revision(restarted), 3);
      assert.equal(specReplicas(restarted), 2);
      assert.ok(sets.slice(0, 2).every((rs) => specReplicas(rs) === 0));
    } finally {
      cp.kubelet.stop();
    }
  });

  it('reports ProgressDeadlineExceeded when pods never become ready, and rollout status fails', async () => {
    const app = 'stuck';
    await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 1, progressDeadlineSeconds: 1 }) });
    const timedOut = await waitFor('ProgressDeadlineExceeded', async () => {
      const d = await getDeployment(cp, app);
      const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
      return progressing?.reason === 'ProgressDeadlineExceeded' ? progressing : undefined;
    }, 10_000);
    assert.equal(timedOut.status, 'False');
    assert.match(timedOut.message ?? '', /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    const stderr = await cp.kubectl.fails(['rollout', 'status', `deployment/${app}`, '--timeout=10s']);
    assert.match(stderr, /deployment "stuck" exceeded its progress deadline/);
    const available = (await getDeployment(cp, app)).status?.conditions?.find((c) => c.type === 'Available');
    assert.deepEqual([available?.status, available?.reason], ['False', 'MinimumReplicasUnavailable']);
  });

  it('Recreate deletes every old pod before creating new ones', async () => {
    const app = 'recreate';
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === app);
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 3, strategy: { type: 'Recreate' } }) });
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      const oldHash = (await replicaSetsOf(cp, app))[0]!.metadata.labels!['pod-template-hash'];
      const alive = new Map<string, string>();
      for (const pod of await podsOf(cp, app)) alive.set(pod.metadata.name!, pod.metadata.labels!['pod-template-hash']!);
      const violations: string[] = [];
      const cancel = await cp.client.watch(RESOURCES.pods, 'default', (await cp.client.list(RESOURCES.pods, 'default')).resourceVersion, { labelSelector: `app=${app}` }, {
        event: (type, pod) => {
          const podHash = pod.metadata.labels!['pod-template-hash']!;
          if (type === 'DELETED') alive.delete(pod.metadata.name!);
          else if (type === 'ADDED') {
            const oldLeft = [...alive.values()].filter((h) => h === oldHash).length;
            if (podHash !== oldHash && oldLeft > 0) violations.push(`${pod.metadata.name} created while ${oldLeft} old pods exist`);
            alive.set(pod.metadata.name!, podHash);
          }
        },
        closed: () => {},
      });
      try {
        await cp.kubectl.ok(['set', 'image', `deployment/${app}`, 'c=nginx:1.27']);
        await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      } finally {
        cancel();
      }
      assert.deepEqual(violations, []);
      const sets = await replicaSetsOf(cp, app);
      assert.deepEqual(sets.map(specReplicas), [0, 3]);
      const scaling = await eventMessages(cp, app, 'ScalingReplicaSet');
      const down = scaling.findIndex((m) => m === `Scaled down replica set recreate-${oldHash} to 0 from 3`);
      const up = scaling.findIndex((m) => /^Scaled up replica set recreate-\w+ from 0 to 3$/.test(m) && !m.includes(oldHash!));
      assert.ok(down >= 0 && up > down, `events in order: ${scaling.join(' | ')}`);
    } finally {
      cp.kubelet.stop();
    }
  });

  it('spreads a scale-up mid-rollout across old and new ReplicaSets in proportion', async () => {
    const app = 'prop';
    // Only the first template's pods ever become ready: the rollout stalls half way.
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === app && podImage(pod) === 'nginx:1.26');
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }) });
      await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      await cp.kubectl.ok(['set', 'image', `deployment/${app}`, 'c=nginx:1.27']);
      let { sets } = await settled(cp, app);
      assert.deepEqual(sets.map(specReplicas), [3, 2], 'stalled: one old pod replaced, surge used');
      await cp.kubectl.ok(['scale', `deployment/${app}`, '--replicas=8']);
      await waitFor('the scale-up spread', async () => {
        const current = await replicaSetsOf(cp, app);
        return current.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '8');
      });
      ({ sets } = await settled(cp, app));
      // 9 allowed (8 + surge 1): old 3 → round(3·9/5) = 5, new 2 → round(2·9/5) = 4.
      assert.deepEqual(sets.map(specReplicas), [5, 4]);
      assert.ok(sets.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'] === '9'));
    } finally {
      cp.kubelet.stop();
    }
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    const app = 'hist';
    cp.kubelet.startAutoReady('node-1', (pod) => pod.metadata.labels?.app === app);
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: deployment(app, { replicas: 1, revisionHistoryLimit: 1 }) });
      for (const image of ['nginx:1.27', 'nginx:1.28', 'nginx:1.29']) {
        await cp.kubectl.ok(['set', 'image', `deployment/${app}`, `c=${image}`]);
        await cp.kubectl.ok(['rollout', 'status', `deployment/${app}`, '--timeout=20s']);
      }
      const sets = await waitFor('old sets cleaned up', async () => {
        const current = await replicaSetsOf(cp, app);
        return current.length === 2 ? current : undefined;
      });
      assert.deepEqual(sets.map(revision), [3, 4]);
      assert.deepEqual(sets.map(imageOf), ['nginx:1.28', 'nginx:1.29']);
    } finally {
      cp.kubelet.stop();
    }
  });
});

describe('Deployment fenceposts', () => {
  it('rounds maxSurge up and maxUnavailable down, never both zero', () => {
    assert.deepEqual(resolveFenceposts('30%', '30%', 5), { surge: 2, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts(2, 0, 5), { surge: 2, unavailable: 0 });
  });
});
