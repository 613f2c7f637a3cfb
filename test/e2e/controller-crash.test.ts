// Crash convergence: a real `k8ts server` process (SQLite) is SIGKILLed at
// seeded pseudo-random points of a Deployment rollout and restarted on the
// same data dir; the rollout must still complete with exactly `replicas` pods
// of the new template and nothing left over. The test plays the kubelet over
// HTTPS: it binds pending pods, reports them Running and Ready, and removes
// terminating ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminToken, Kubectl, rawRequest, removeDir, startServer, tempDir, waitFor, type ServerProcess } from './harness.js';
import { seededRandom } from '../time/support/seeded-random.js';

const REPLICAS = 6;
const MAX_SURGE = 2;
const KILLS = 3;
const READY_DELAY_MS = 400;
const SEED = Number(process.env.CRASH_SEED ?? 7);
const LEADER_ARGS = ['--leader-elect-lease-duration', '1000ms', '--leader-elect-renew-deadline', '700ms', '--leader-elect-retry-period', '200ms'];
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const MERGE_HEADERS = { 'Content-Type': 'application/merge-patch+json' };
const PODS = '/api/v1/namespaces/default/pods';

interface Obj {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string }[]; generation?: number };
  spec: any;
  status?: any;
}

describe('controllers survive server crashes', () => {
  it('a rollout interrupted by SIGKILLs converges to the new template with exactly `replicas` pods', async () => {
    const dataDir = tempDir('k8ts-crash-');
    const token = adminToken;
    let server: ServerProcess = await startServer({ dataDir, extraArgs: LEADER_ARGS });
    const kubectl = new Kubectl(server.kubeconfig);
    const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_HEADERS) => {
      const res = await rawRequest(server, token(dataDir), method, path, body === undefined ? undefined : JSON.stringify(body), headers);
      if (res.status >= 300) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${res.body}`), { status: res.status });
      return JSON.parse(res.body);
    };
    const listPods = async (): Promise<Obj[]> => (await api('GET', `${PODS}?labelSelector=app%3Dweb`)).items;

    // The kubelet: one pass over the pods, also recording the most pods alive at once.
    // Pods turn Ready READY_DELAY_MS after the kubelet first sees them, so the rollout takes long enough to be interrupted.
    let maxAlive = 0;
    let kubeletRunning = true;
    const firstSeen = new Map<string, number>();
    const kubeletPass = async () => {
      const pods = await listPods();
      maxAlive = Math.max(maxAlive, pods.filter((p) => !p.metadata.deletionTimestamp).length);
      for (const pod of pods) {
        const name = pod.metadata.name;
        try {
          if (pod.metadata.deletionTimestamp) {
            await api('DELETE', `${PODS}/${name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
            continue;
          }
          if (!pod.spec.nodeName) {
            await api('POST', `${PODS}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: `node-${name.length % 2}` } });
          }
          if (!firstSeen.has(pod.metadata.uid)) firstSeen.set(pod.metadata.uid, Date.now());
          if (pod.status?.phase !== 'Running' && Date.now() - firstSeen.get(pod.metadata.uid)! >= READY_DELAY_MS) {
            const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
            const ready = { status: 'True', lastTransitionTime: now };
            await api('PATCH', `${PODS}/${name}/status`, {
              status: {
                phase: 'Running', podIP: '10.244.0.10', hostIP: '10.0.0.1', startTime: now,
                conditions: [{ type: 'PodScheduled', ...ready }, { type: 'Initialized', ...ready }, { type: 'ContainersReady', ...ready }, { type: 'Ready', ...ready }],
                containerStatuses: pod.spec.containers.map((c: { name: string; image: string }) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } })),
              },
            }, MERGE_HEADERS);
          }
        } catch {
          // Gone, bound meanwhile, or the server is down: the next pass sees the new state.
        }
      }
    };
    const kubeletLoop = (async () => {
      while (kubeletRunning) {
        await kubeletPass().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();

    try {
      for (const name of ['node-0', 'node-1']) {
        await api('POST', '/api/v1/nodes', {
          apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
          status: { capacity: { cpu: '8', memory: '32Gi', pods: '110' }, allocatable: { cpu: '8', memory: '32Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
        });
      }
      await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
        spec: {
          replicas: REPLICAS, selector: { matchLabels: { app: 'web' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: 1 } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } },
        },
      });
      const deploymentDone = async (image: string) => {
        const d = await api('GET', '/apis/apps/v1/namespaces/default/deployments/web');
        const s = d.status ?? {};
        const pods = await listPods();
        return s.observedGeneration === d.metadata.generation && s.updatedReplicas === REPLICAS && s.availableReplicas === REPLICAS && s.replicas === REPLICAS
          && pods.length === REPLICAS && pods.every((p) => p.spec.containers[0].image === image);
      };
      await waitFor('the first rollout', () => deploymentDone('nginx:1.26'), 20_000);
      maxAlive = 0;

      // Roll out a new image, and kill the server as the new pods come up.
      const random = seededRandom(SEED);
      const thresholds = Array.from({ length: KILLS }, () => Math.floor(random() * (REPLICAS - 1))).sort((a, b) => a - b);
      await kubectl.ok(['set', 'image', 'deployment/web', 'c=nginx:1.27']);
      let killsMidRollout = 0;
      for (const threshold of thresholds) {
        await waitFor(`${threshold} pods of the new template`, async () => (await listPods()).filter((p) => p.spec.containers[0].image === 'nginx:1.27').length >= threshold, 20_000, 10);
        await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
        const at = await listPods();
        if (at.some((p) => p.spec.containers[0].image !== 'nginx:1.27')) killsMidRollout++;
        if (process.env.CRASH_DEBUG) console.log(`kill at ${threshold}: ${at.map((p) => `${p.spec.containers[0].image}${p.status?.phase === 'Running' ? '' : '(pending)'}${p.metadata.deletionTimestamp ? '(terminating)' : ''}`).join(' ')}`);
        await server.kill();
        server = await startServer({ dataDir, extraArgs: LEADER_ARGS });
      }

      assert.equal(killsMidRollout, KILLS, 'every kill should land before the rollout finished');
      await waitFor('the rollout to converge after the crashes', () => deploymentDone('nginx:1.27'), 30_000);
      const rollout = await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=20s']);
      assert.equal(rollout.code, 0, `kubectl rollout status failed:\n${rollout.stderr}${rollout.stdout}`);
      assert.match(rollout.stdout, /successfully rolled out/);

      // Let the kubelet and controllers finish whatever is in flight, then look twice.
      let previous = '';
      const { pods, sets } = await waitFor('a stable end state', async () => {
        const pods: Obj[] = await listPods();
        const sets: Obj[] = (await api('GET', '/apis/apps/v1/namespaces/default/replicasets')).items;
        const fingerprint = JSON.stringify([...pods, ...sets].map((o: any) => o.metadata.resourceVersion));
        const stable = fingerprint === previous;
        previous = fingerprint;
        return stable ? { pods, sets } : undefined;
      }, 10_000, 200);

      const newSet = sets.find((rs) => rs.spec.template.spec.containers[0].image === 'nginx:1.27');
      assert.ok(newSet, 'no ReplicaSet for the new template');
      const newHash = newSet.metadata.labels?.['pod-template-hash'];
      assert.ok(newHash);
      assert.equal(pods.length, REPLICAS, `pods: ${pods.map((p) => p.metadata.name).join(', ')}`);
      assert.deepEqual(pods.filter((p) => p.metadata.labels?.['pod-template-hash'] !== newHash).map((p) => p.metadata.name), [], 'pods of an old template remain');
      assert.deepEqual(sets.filter((rs) => rs.spec.replicas > 0).map((rs) => rs.metadata.name), [newSet.metadata.name], 'only the new ReplicaSet has replicas');
      const setUids = new Set(sets.map((rs) => rs.metadata.uid));
      for (const pod of pods) {
        const owners = (pod.metadata.ownerReferences ?? []).filter((o) => o.kind === 'ReplicaSet');
        assert.equal(owners.length, 1, `${pod.metadata.name} has ${owners.length} ReplicaSet owners`);
        assert.ok(setUids.has(owners[0]!.uid), `${pod.metadata.name} is owned by a ReplicaSet that does not exist`);
        assert.equal(owners[0]!.uid, newSet.metadata.uid, `${pod.metadata.name} is not owned by the new ReplicaSet`);
      }
      assert.equal(new Set(pods.map((p) => p.metadata.name)).size, REPLICAS);
      // Never more pods alive than the surge allows, crashes or not (the controllers' expectations do not survive a crash).
      assert.ok(maxAlive <= REPLICAS + MAX_SURGE, `${maxAlive} pods were alive at once (limit ${REPLICAS + MAX_SURGE})`);
    } finally {
      kubeletRunning = false;
      await kubeletLoop;
      await server.kill();
      kubectl.cleanup();
      removeDir(dataDir);
    }
  });
});
