// The scheduler inside a real k8ts server, driven by the real kubectl: pods
// are created with `kubectl apply`, nodes by the simulated kubelet, and every
// test's layout makes a wrong placement fail its assertion.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES } from '../../src/client/api-client.js';
import { waitFor } from '../e2e/harness.js';
import { startControlPlane, type ControlPlane, type NodeOptions } from '../controllers/harness.js';

const NS = 'default';
const ZONE = 'topology.kubernetes.io/zone';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});

after(async () => {
  await cp?.close();
});

afterEach(async () => {
  const { items: pods } = await cp.client.list(RESOURCES.pods, NS);
  await Promise.all(pods.map((p) => cp.client.delete(RESOURCES.pods, NS, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  const { items: nodes } = await cp.client.list(RESOURCES.nodes, undefined);
  await Promise.all(nodes.map((n) => cp.client.delete(RESOURCES.nodes, undefined, n.metadata.name!).catch(() => undefined)));
  await waitFor('a clean cluster', async () => (await cp.client.list(RESOURCES.pods, NS)).items.length === 0 && (await cp.client.list(RESOURCES.nodes, undefined)).items.length === 0);
});

async function nodes(specs: Record<string, NodeOptions>): Promise<void> {
  for (const [name, opts] of Object.entries(specs)) await cp.kubelet.createNode(name, opts);
}

interface PodOptions {
  labels?: Record<string, string>;
  cpu?: string;
  priority?: number;
  nodeName?: string;
  spec?: Record<string, unknown>;
  ports?: { containerPort: number; hostPort: number }[];
}

function podManifest(name: string, o: PodOptions = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: o.labels },
    spec: {
      nodeName: o.nodeName,
      priority: o.priority,
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', image: 'nginx:1.27', resources: o.cpu ? { requests: { cpu: o.cpu } } : undefined, ports: o.ports }],
      ...o.spec,
    },
  };
}

/** `kubectl apply` of the pods as a multi-document YAML stream. */
async function apply(...pods: KubeObject[]): Promise<void> {
  await cp.kubectl.ok(['apply', '-f', '-'], { input: pods.map((p) => stringify(p)).join('---\n') });
}

async function pod(name: string): Promise<KubeObject> {
  return cp.client.get(RESOURCES.pods, NS, name);
}

function nodeOf(p: KubeObject): string | undefined {
  return (p.spec as { nodeName?: string }).nodeName;
}

async function waitBound(...names: string[]): Promise<Record<string, string>> {
  return waitFor(`${names.join(', ')} bound`, async () => {
    const out: Record<string, string> = {};
    for (const name of names) {
      const n = nodeOf(await pod(name));
      if (!n) return undefined;
      out[name] = n;
    }
    return out;
  });
}

/** Waits for the FailedScheduling event of a pod and returns its message. */
async function failedScheduling(name: string): Promise<string> {
  return waitFor(`FailedScheduling for ${name}`, async () => {
    const { items } = await cp.client.list(RESOURCES.events, NS, { fieldSelector: `involvedObject.name=${name}` });
    const event = items.find((e) => e.reason === 'FailedScheduling');
    return event ? (event.message as string) : undefined;
  });
}

async function zoneOf(nodeName: string): Promise<string> {
  const n = await cp.client.get(RESOURCES.nodes, undefined, nodeName);
  return n.metadata.labels![ZONE];
}

describe('scheduler in k8ts server', () => {
  it('spreads anti-affine replicas one per zone, and leaves the extra one Pending', async () => {
    await nodes({
      'a-1': { labels: { [ZONE]: 'a' } }, 'a-2': { labels: { [ZONE]: 'a' } },
      'b-1': { labels: { [ZONE]: 'b' } }, 'b-2': { labels: { [ZONE]: 'b' } },
      'c-1': { labels: { [ZONE]: 'c' } }, 'c-2': { labels: { [ZONE]: 'c' } },
    });
    const replica = (i: number) => podManifest(`web-${i}`, {
      labels: { app: 'web' },
      spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: ZONE }] } } },
    });
    await apply(replica(0), replica(1), replica(2));
    const placed = await waitBound('web-0', 'web-1', 'web-2');
    const zones = await Promise.all(Object.values(placed).map(zoneOf));
    assert.deepEqual(zones.sort(), ['a', 'b', 'c']);
    await apply(replica(3));
    assert.equal(
      await failedScheduling('web-3'),
      "0/6 nodes are available: 6 node(s) didn't match pod anti-affinity rules. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.",
    );
    assert.equal(nodeOf(await pod('web-3')), undefined);
  });

  it('keeps a pod bigger than any node Pending, explained in kubectl describe', async () => {
    await nodes({ 'n-1': {}, 'n-2': {}, 'n-3': {} });
    await apply(podManifest('huge', { cpu: '64' }));
    const expected = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    assert.equal(await failedScheduling('huge'), expected);
    const condition = await waitFor('PodScheduled=False', async () => {
      const status = (await pod('huge')).status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
      return status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.message, expected);
    const described = await cp.kubectl.ok(['describe', 'pod', 'huge']);
    assert.match(described, /Status:\s+Pending/);
    assert.match(described, /PodScheduled\s+False/);
    assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 3 Insufficient cpu\. preemption:/);
    assert.ok(described.replace(/\s+/g, ' ').includes(expected), described);
  });

  it('waits for a pod\'s claim, then places the pod on the node its local volume is on', async () => {
    await nodes({ 'n-1': {}, 'n-2': {}, 'n-3': {} });
    await apply(podManifest('db', { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'db-data' } }] } }));
    assert.equal(await failedScheduling('db'),
      '0/3 nodes are available: persistentvolumeclaim "db-data" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    const volume = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'db-disk' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', local: { path: '/mnt/disks/db' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n-2'] }] }] } } },
    };
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'db-data', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } };
    try {
      await cp.kubectl.ok(['apply', '-f', '-'], { input: [volume, claim].map((o) => stringify(o)).join('---\n') });
      // The PV binder binds the claim; the scheduler, told of it, places the pod where the disk is.
      assert.deepEqual(await waitBound('db'), { db: 'n-2' });
    } finally {
      await cp.kubectl.run(['delete', 'pod', 'db', '--grace-period=0', '--force']);
      await cp.kubectl.run(['delete', 'pvc', 'db-data', '--wait=false']);
      await cp.kubectl.run(['delete', 'pv', 'db-disk', '--wait=false']);
    }
  });

  it('honours nodeSelector', async () => {
    await nodes({ 'hdd-1': { labels: { disk: 'hdd' } }, 'ssd-1': { labels: { disk: 'ssd' } }, 'plain-1': {} });
    await apply(podManifest('db', { spec: { nodeSelector: { disk: 'ssd' } } }), podManifest('db-2', { spec: { nodeSelector: { disk: 'ssd' } } }));
    assert.deepEqual(await waitBound('db', 'db-2'), { db: 'ssd-1', 'db-2': 'ssd-1' });
  });

  it('keeps untolerating pods off tainted nodes and lets tolerating pods on', async () => {
    const gpu = { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };
    await nodes({ 'gpu-1': gpu, 'gpu-2': gpu, 'cpu-1': {} });
    await apply(podManifest('web', { cpu: '6' }));
    assert.deepEqual(await waitBound('web'), { web: 'cpu-1' });
    await apply(
      podManifest('trainer', { cpu: '4', spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } }),
      podManifest('web-2', { cpu: '4' }),
    );
    const { trainer } = await waitBound('trainer');
    assert.match(trainer, /^gpu-/);
    assert.equal(
      await failedScheduling('web-2'),
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
  });

  it('never puts two pods with the same host port on one node', async () => {
    await nodes({ 'h-1': {}, 'h-2': {} });
    const web = (name: string) => podManifest(name, { ports: [{ containerPort: 80, hostPort: 8080 }] });
    await apply(web('port-a'), web('port-b'));
    const placed = await waitBound('port-a', 'port-b');
    assert.notEqual(placed['port-a'], placed['port-b']);
    await apply(web('port-c'));
    assert.match(await failedScheduling('port-c'), /^0\/2 nodes are available: 2 node\(s\) didn't have free ports for the requested pod ports\./);
  });

  it('spreads by zone within maxSkew', async () => {
    await nodes({ 'a-1': { labels: { [ZONE]: 'a' } }, 'a-2': { labels: { [ZONE]: 'a' } }, 'b-1': { labels: { [ZONE]: 'b' } } });
    // Two replicas already run in zone a (bound by name, bypassing the scheduler).
    await apply(podManifest('s-0', { labels: { app: 's' }, nodeName: 'a-1' }), podManifest('s-1', { labels: { app: 's' }, nodeName: 'a-2' }));
    const spread = (name: string) => podManifest(name, {
      labels: { app: 's' },
      spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }] },
    });
    await apply(spread('s-2'));
    assert.deepEqual(await waitBound('s-2'), { 's-2': 'b-1' });
    await apply(spread('s-3'));
    assert.deepEqual(await waitBound('s-3'), { 's-3': 'b-1' });
    await apply(spread('s-4'));
    // Now a=2, b=2: either zone keeps the skew at 1.
    await waitBound('s-4');
  });

  it('preempts lower-priority pods for a higher-priority one when the cluster is full', async () => {
    await nodes({ 'only-1': {} });
    await apply(podManifest('batch-1', { cpu: '4', priority: 10 }), podManifest('batch-2', { cpu: '4', priority: 10 }));
    await waitBound('batch-1', 'batch-2');
    await apply(podManifest('urgent', { cpu: '4', priority: 1000 }));
    const nominated = await waitFor('nominatedNodeName', async () => ((await pod('urgent')).status as { nominatedNodeName?: string }).nominatedNodeName);
    assert.equal(nominated, 'only-1');
    const victims = await waitFor('a victim terminating', async () => {
      const { items } = await cp.client.list(RESOURCES.pods, NS);
      const terminating = items.filter((p) => p.metadata.deletionTimestamp);
      return terminating.length > 0 ? terminating : undefined;
    });
    assert.equal(victims.length, 1);
    assert.match(victims[0].metadata.name!, /^batch-/);
    const disruption = (victims[0].status as { conditions?: { type: string; reason?: string }[] }).conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(disruption?.reason, 'PreemptionByScheduler');
    // The victim's room is reserved: until the kubelet finishes it, the preemptor waits.
    assert.equal(nodeOf(await pod('urgent')), undefined);
    await cp.kubelet.finishTerminating();
    assert.deepEqual(await waitBound('urgent'), { urgent: 'only-1' });
    const { items } = await cp.client.list(RESOURCES.pods, NS);
    assert.deepEqual(items.map((p) => p.metadata.name).sort(), ['urgent', victims[0].metadata.name === 'batch-1' ? 'batch-2' : 'batch-1'].sort());
    const events = await cp.kubectl.ok(['get', 'events', '--field-selector', `involvedObject.name=${victims[0].metadata.name},reason=Preempted`, '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /^Preempted by pod [0-9a-f-]+ on node only-1$/);
  });
});
