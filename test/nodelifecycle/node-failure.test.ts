// Node lifecycle on simulated nodes: a node that stops heartbeating turns
// Unknown within the grace period and gets the unreachable taints; its pods
// are evicted once their tolerationSeconds run out and their Deployment
// brings them back on other nodes; a node that heartbeats again is Ready and
// untainted. Also DefaultTolerationSeconds on new pods.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import { waitFor } from '../e2e/harness.js';
import { deploymentJson, nodeOf, podsOf, readyPods, startSimulatedCluster, type SimulatedCluster } from '../simulated/cluster.js';

const GRACE_MS = 1_500;
const TOLERATION_SECONDS = 2;

describe('node lifecycle', () => {
  let c: SimulatedCluster;
  before(async () => {
    c = await startSimulatedCluster({ nodes: 3, graceMs: GRACE_MS, heartbeatMs: 200 });
  });
  after(async () => {
    await c?.close();
  });

  it('adds the DefaultTolerationSeconds tolerations to new pods, keeping tolerations the pod has', async () => {
    await c.kubectl.ok(['run', 'plain', '--image=nginx:1.26', '--restart=Never']);
    const plain = await c.kubectl.json(['get', 'pod', 'plain']);
    assert.deepEqual(plain.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    await c.kubectl.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'own' },
        spec: { containers: [{ name: 'c', image: 'nginx:1.26' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 }] },
      }),
    });
    const own = await c.kubectl.json(['get', 'pod', 'own']);
    assert.deepEqual(own.spec.tolerations, [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    await c.kubectl.ok(['delete', 'pod', 'plain', 'own', '--grace-period=0', '--force']);
  });

  it('marks a node that stops heartbeating Unknown and tainted, evicts its pods after tolerationSeconds, and reschedules them', async () => {
    await c.kubectl.ok(['apply', '-f', '-'], {
      input: deploymentJson('app', 6, {
        terminationGracePeriodSeconds: 0,
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS }],
      }),
    });
    const pods = await waitFor('6 ready pods', async () => {
      const ready = await readyPods(c.server, 'app');
      return ready.length === 6 && ready;
    });
    const victim = nodeOf(pods[0]!)!;
    const onVictim = pods.filter((p) => nodeOf(p) === victim).map((p) => p.metadata.name!);
    assert.ok(onVictim.length > 0);

    const stoppedAt = Date.now();
    await c.kubectl.ok(['annotate', 'node', victim, 'k8ts.io/simulated-heartbeat=stopped']);
    const node = await waitFor('the node to become Unknown and tainted', async () => {
      const n = await c.kubectl.json(['get', 'node', victim]);
      const ready = n.status.conditions.find((x: any) => x.type === 'Ready');
      return ready.status === 'Unknown' && (n.spec.taints ?? []).length === 2 && n;
    }, 10_000, 50);
    const unknownAfter = Date.now() - stoppedAt;
    // Within the grace period (plus one heartbeat interval and the controller's reaction), not before it.
    assert.ok(unknownAfter >= GRACE_MS - 250, `Unknown after ${unknownAfter} ms`);
    assert.ok(unknownAfter < GRACE_MS + 2_000, `Unknown after ${unknownAfter} ms`);
    for (const cond of node.status.conditions) {
      assert.equal(cond.status, 'Unknown', cond.type);
      assert.equal(cond.reason, 'NodeStatusUnknown');
      assert.equal(cond.message, 'Kubelet stopped posting node status.');
    }
    const taints = node.spec.taints.map((t: any) => `${t.key}:${t.effect}`).sort();
    assert.deepEqual(taints, ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const noExecute = node.spec.taints.find((t: any) => t.effect === 'NoExecute');
    assert.ok(noExecute.timeAdded, 'the NoExecute taint carries timeAdded');
    assert.match(await c.kubectl.ok(['get', 'node', victim]), /NotReady/);

    // The pods tolerate the taint for 2 s: still there now, and no longer Ready.
    const now = await podsOf(c.server, 'app');
    for (const name of onVictim) {
      const p = now.find((x) => x.metadata.name === name);
      assert.ok(p && !p.metadata.deletionTimestamp, `${name} is not evicted before its tolerationSeconds`);
    }
    await waitFor('pods on the lost node marked not Ready', async () => (await podsOf(c.server, 'app')).filter((p) => onVictim.includes(p.metadata.name!)).every((p) => !(p.status as any).conditions.some((x: any) => x.type === 'Ready' && x.status === 'True')), 5_000);

    await waitFor('the pods on the lost node to be evicted', async () => {
      const left = (await podsOf(c.server, 'app')).filter((p) => onVictim.includes(p.metadata.name!) && !p.metadata.deletionTimestamp);
      return left.length === 0;
    }, 10_000);
    const evictedAfter = Date.now() - Date.parse(noExecute.timeAdded);
    assert.ok(evictedAfter >= TOLERATION_SECONDS * 1000 - 1000, `evicted ${evictedAfter} ms after the taint (timeAdded has 1 s resolution)`);

    const replaced = await waitFor('6 ready pods again, none on the lost node', async () => {
      const ready = await readyPods(c.server, 'app');
      return ready.length === 6 && ready.every((p) => nodeOf(p) !== victim) && ready;
    }, 15_000);
    assert.ok(replaced.every((p) => !onVictim.includes(p.metadata.name!)));
    // More than a grace period has passed: the nodes that kept heartbeating stayed Ready and untainted.
    assert.ok(Date.now() - stoppedAt > GRACE_MS);
    for (const n of (await c.server.client.list(RESOURCES.nodes, undefined)).items) {
      if (n.metadata.name === victim) continue;
      assert.equal((n.status as any).conditions.find((x: any) => x.type === 'Ready').status, 'True', n.metadata.name);
      assert.equal(((n.spec as any).taints ?? []).length, 0, n.metadata.name);
    }
    const events = await c.kubectl.ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction']);
    assert.match(events, /Marking for deletion Pod default\//);

    // Heartbeats again: Ready, and the taints go.
    await c.kubectl.ok(['annotate', 'node', victim, 'k8ts.io/simulated-heartbeat-']);
    await waitFor('the node Ready and untainted', async () => {
      const n = await c.kubectl.json(['get', 'node', victim]);
      return n.status.conditions.find((x: any) => x.type === 'Ready').status === 'True' && (n.spec.taints ?? []).length === 0;
    }, 10_000);
    await c.kubectl.ok(['delete', 'deployment', 'app']);
  });
});
