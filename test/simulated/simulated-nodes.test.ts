// Simulated nodes: registration from the template, Lease heartbeats, pods
// made Running with IPs, exit annotations, resizing through the ConfigMap,
// all seen through the real kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/client/api-client.js';
import { waitFor } from '../e2e/harness.js';
import { deploymentJson, nodeOf, phase, readyPods, startSimulatedCluster, type SimulatedCluster } from './cluster.js';

describe('simulated nodes', () => {
  let c: SimulatedCluster;
  before(async () => {
    c = await startSimulatedCluster({ nodes: 3, heartbeatMs: 200 });
  });
  after(async () => {
    await c?.close();
  });

  it('registers the nodes from the template, spread over three zones, Ready', async () => {
    const nodes = (await c.kubectl.json<{ items: any[] }>(['get', 'nodes', '-l', 'type=simulated'])).items;
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['simulated-node-0000', 'simulated-node-0001', 'simulated-node-0002']);
    assert.deepEqual(new Set(nodes.map((n) => n.metadata.labels['topology.kubernetes.io/zone'])).size, 3);
    for (const n of nodes) {
      assert.equal(n.metadata.labels['kubernetes.io/hostname'], n.metadata.name);
      assert.equal(n.status.capacity.cpu, '32');
      assert.equal(n.status.capacity.memory, '256Gi');
      assert.equal(n.status.allocatable.pods, '110');
      assert.equal(n.status.conditions.find((x: any) => x.type === 'Ready').status, 'True');
    }
    const table = await c.kubectl.ok(['get', 'nodes']);
    assert.match(table, /simulated-node-0000\s+Ready/);
  });

  it('heartbeats through a Lease in kube-node-lease', async () => {
    // The Lease is created by the node's LeaseKeeper after registration, so it may not exist yet.
    const first = await waitFor('the node lease to exist', async () => {
      const r = await c.kubectl.run(['get', 'lease', '-n', 'kube-node-lease', 'simulated-node-0001', '-o', 'json']);
      return r.code === 0 && JSON.parse(r.stdout);
    }, 10_000, 100);
    assert.equal(first.spec.holderIdentity, 'simulated-node-0001');
    await waitFor('the lease to be renewed', async () => {
      const later = await c.kubectl.json(['get', 'lease', '-n', 'kube-node-lease', 'simulated-node-0001']);
      return later.spec.renewTime > first.spec.renewTime;
    }, 10_000, 100);
  });

  it('runs a Deployment: pods Running and Ready with pod IPs, spread over the nodes', async () => {
    await c.kubectl.ok(['apply', '-f', '-'], {
      input: deploymentJson('web', 6, {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
      }),
    });
    const pods = await waitFor('6 ready pods', async () => {
      const ready = await readyPods(c.server, 'web');
      return ready.length === 6 && ready;
    });
    const ips = pods.map((p) => (p.status as { podIP?: string }).podIP);
    assert.ok(ips.every((ip) => typeof ip === 'string' && /^100\.\d+\.\d+\.\d+$/.test(ip)), String(ips));
    assert.equal(new Set(ips).size, 6);
    // The zone spread constraint puts two on each node: the nodes' zone labels are what the scheduler saw.
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(nodeOf(p)!, (perNode.get(nodeOf(p)!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2, 2]);
    await c.kubectl.ok(['rollout', 'status', 'deployment/web', '--timeout=20s']);
  });

  it('finishes pods annotated to exit: Succeeded, or Failed with a non-zero exit code', async () => {
    const pod = (name: string, code: string) => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, annotations: { 'k8ts.io/simulated-exit-after': '300ms', 'k8ts.io/simulated-exit-code': code } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    });
    await c.kubectl.ok(['apply', '-f', '-'], { input: pod('done', '0') });
    await c.kubectl.ok(['apply', '-f', '-'], { input: pod('broken', '3') });
    const done = await waitFor('pod done to succeed', async () => {
      const p = await c.server.client.get(RESOURCES.pods, 'default', 'done');
      return phase(p) === 'Succeeded' && p;
    }, 10_000);
    assert.equal((done.status as any).containerStatuses[0].state.terminated.exitCode, 0);
    const broken = await waitFor('pod broken to fail', async () => {
      const p = await c.server.client.get(RESOURCES.pods, 'default', 'broken');
      return phase(p) === 'Failed' && p;
    }, 10_000);
    assert.equal((broken.status as any).containerStatuses[0].state.terminated.exitCode, 3);
  });

  it('deletes a terminating pod once its grace period is over', async () => {
    const [victim] = await readyPods(c.server, 'web');
    const started = Date.now();
    await c.kubectl.ok(['delete', 'pod', victim!.metadata.name!, '--wait=false']);
    const terminating = await c.server.client.get(RESOURCES.pods, 'default', victim!.metadata.name!).catch(() => undefined);
    assert.ok(terminating?.metadata.deletionTimestamp, 'the pod stays while its 1 s grace period runs');
    await waitFor('the pod to be gone', async () => !(await c.server.client.get(RESOURCES.pods, 'default', victim!.metadata.name!).catch(() => undefined)), 10_000);
    assert.ok(Date.now() - started >= 900, 'removed only after the grace period');
  });

  it('grows and shrinks with the k8ts-simulated-nodes ConfigMap', async () => {
    await c.kubectl.ok(['-n', 'kube-system', 'patch', 'configmap', 'k8ts-simulated-nodes', '--type=merge', '-p', '{"data":{"count":"5"}}']);
    await waitFor('5 ready nodes', async () => {
      const nodes = (await c.kubectl.json<{ items: any[] }>(['get', 'nodes', '-l', 'type=simulated'])).items;
      return nodes.length === 5 && nodes.every((n) => n.status.conditions.some((x: any) => x.type === 'Ready' && x.status === 'True'));
    }, 15_000, 100);
    await c.kubectl.ok(['-n', 'kube-system', 'patch', 'configmap', 'k8ts-simulated-nodes', '--type=merge', '-p', '{"data":{"count":"4"}}']);
    await waitFor('4 nodes', async () => (await c.kubectl.json<{ items: any[] }>(['get', 'nodes', '-l', 'type=simulated'])).items.length === 4, 15_000, 100);
    await assert.rejects(c.kubectl.ok(['get', 'node', 'simulated-node-0004']), /NotFound|not found/);
    assert.equal(c.server.simulatedNodes!.size, 4);
  });
});
