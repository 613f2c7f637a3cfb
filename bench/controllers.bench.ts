// bench:controllers — the Deployment and ReplicaSet controllers at work, in
// process: a k8ts server on the memory store, each controller in its own
// ControllerManager on its own counting decorator of the loopback client (so
// every API call is attributed to one controller), and the bench playing the
// kubelet from a pod watch: it binds each new pod and reports it Running and
// Ready at once, and removes terminating pods.
//
// Measured, for 100 Deployments of 10 replicas:
//  - time from creating them all until every one is Available with
//    updatedReplicas = 10; then the same for a rolling update of all of them;
//  - reconciles per second, per controller;
//  - API calls per reconcile: reads the controllers make outside their
//    informers (get/list) and writes (create/update/patch/delete);
//  - redundant writes: updates/patches after which the object's
//    resourceVersion is unchanged (the registry keeps the RV of a no-op).
// The baseline is a lower bound on the writes a rollout needs (explained
// under the table); reads have an ideal of 0, as controllers read from their
// informers.
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../src/api/types.js';
import {
  RESOURCES,
  type ApiClient,
  type ClientDeleteOptions,
  type ClientListOptions,
  type ClientPatchType,
  type ClientSubresource,
  type ClientWatchHandlers,
  type ResourceRef,
} from '../src/client/api-client.js';
import type { Controller, ControllerContext } from '../src/controllers/controller.js';
import { ControllerManager } from '../src/controllers/controller-manager.js';
import { DeploymentController } from '../src/controllers/deployment/deployment-controller.js';
import { ReplicaSetController } from '../src/controllers/replicaset/replicaset-controller.js';
import { startServer } from '../src/server/k8ts-server.js';
import { removeDir, tempDir } from '../test/e2e/harness.js';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 100);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10);
const PHASE_TIMEOUT_MS = Number(process.env.BENCH_PHASE_TIMEOUT_MS ?? 120_000);
const NAMESPACE = 'default';

interface Counts {
  reconciles: number;
  get: number;
  list: number;
  watch: number;
  writes: number;
  events: number;
  redundant: number;
  writesByKind: Record<string, number>;
}

const zero = (): Counts => ({ reconciles: 0, get: 0, list: 0, watch: 0, writes: 0, events: 0, redundant: 0, writesByKind: {} });

/** An ApiClient that counts what passes through it and spots writes that changed nothing. */
class CountingClient implements ApiClient {
  counts = zero();

  constructor(private readonly inner: ApiClient) {}

  private write(ref: ResourceRef, verb: string): void {
    if (ref.resource === 'events') {
      this.counts.events++;
      return;
    }
    this.counts.writes++;
    const key = `${verb} ${ref.resource}`;
    this.counts.writesByKind[key] = (this.counts.writesByKind[key] ?? 0) + 1;
  }

  private checkRedundant(before: string | undefined, after: KubeObject): void {
    if (before !== undefined && before === after.metadata.resourceVersion) this.counts.redundant++;
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    this.counts.get++;
    return this.inner.get(ref, namespace, name);
  }

  list(ref: ResourceRef, namespace: string | undefined, opts?: ClientListOptions) {
    this.counts.list++;
    return this.inner.list(ref, namespace, opts);
  }

  watch(ref: ResourceRef, namespace: string | undefined, resourceVersion: string, opts: ClientListOptions, handlers: ClientWatchHandlers) {
    this.counts.watch++;
    return this.inner.watch(ref, namespace, resourceVersion, opts, handlers);
  }

  create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    this.write(ref, 'create');
    return this.inner.create(ref, namespace, obj);
  }

  async update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, subresource?: ClientSubresource): Promise<KubeObject> {
    this.write(ref, subresource ? `update/${subresource}` : 'update');
    const before = obj.metadata.resourceVersion ?? (await this.rvOf(ref, namespace, obj.metadata.name!));
    const after = await this.inner.update(ref, namespace, obj, subresource);
    this.checkRedundant(before, after);
    return after;
  }

  async patch(ref: ResourceRef, namespace: string | undefined, name: string, type: ClientPatchType, patch: unknown, subresource?: ClientSubresource): Promise<KubeObject> {
    this.write(ref, subresource ? `patch/${subresource}` : 'patch');
    const before = await this.rvOf(ref, namespace, name);
    const after = await this.inner.patch(ref, namespace, name, type, patch, subresource);
    this.checkRedundant(before, after);
    return after;
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts?: ClientDeleteOptions): Promise<void> {
    this.write(ref, 'delete');
    return this.inner.delete(ref, namespace, name, opts);
  }

  bindPod(namespace: string, name: string, nodeName: string): Promise<void> {
    this.write(RESOURCES.pods, 'bind');
    return this.inner.bindPod(namespace, name, nodeName);
  }

  finalizeNamespace(name: string, finalizers: string[]): Promise<KubeObject> {
    this.write(RESOURCES.namespaces, 'finalize');
    return this.inner.finalizeNamespace(name, finalizers);
  }

  /** The stored resourceVersion before a write (not counted: it is the bench's own read). */
  private async rvOf(ref: ResourceRef, namespace: string | undefined, name: string): Promise<string | undefined> {
    return this.inner.get(ref, namespace, name).then((o) => o.metadata.resourceVersion, () => undefined);
  }
}

/** Counts a controller's reconciles by wrapping the method its work queue calls. */
function countReconciles<C extends Controller>(controller: C, client: CountingClient): C {
  const target = controller as unknown as Record<string, unknown>;
  const method = ['reconcile', 'sync'].find((m) => typeof target[m] === 'function');
  if (!method) throw new Error(`${controller.name}: no reconcile method to count`);
  const original = target[method] as (key: string) => Promise<void>;
  target[method] = (key: string) => {
    client.counts.reconciles++;
    return original.call(controller, key);
  };
  return controller;
}

function deployment(i: number, image: string): KubeObject {
  const name = `web-${String(i).padStart(3, '0')}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

/** The kubelet: from a pod watch, binds new pods, reports them Running and Ready, and removes terminating ones. */
async function startKubelet(client: ApiClient): Promise<() => void> {
  const busy = new Set<string>();
  // The newest state of a pod that changed while the kubelet was acting on it, handled once that finishes.
  const missed = new Map<string, KubeObject>();
  const handle = (pod: KubeObject): void => {
    const uid = pod.metadata.uid!;
    if (busy.has(uid)) {
      missed.set(uid, pod);
      return;
    }
    const name = pod.metadata.name!;
    const spec = pod.spec as { nodeName?: string; containers: { name: string; image: string }[] };
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    let work: Promise<unknown> | undefined;
    if (pod.metadata.deletionTimestamp) work = client.delete(RESOURCES.pods, NAMESPACE, name, { gracePeriodSeconds: 0 });
    else if (!spec.nodeName) work = client.bindPod(NAMESPACE, name, 'node-1');
    else if (phase !== 'Running') {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
      work = client.patch(RESOURCES.pods, NAMESPACE, name, 'application/merge-patch+json', {
        status: {
          phase: 'Running', podIP: '10.244.0.2', hostIP: '10.0.0.1', startTime: now,
          conditions: [cond('PodScheduled'), cond('Initialized'), cond('ContainersReady'), cond('Ready')],
          containerStatuses: spec.containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } })),
        },
      }, 'status');
    }
    if (!work) return;
    busy.add(uid);
    work.catch(() => undefined).finally(() => {
      busy.delete(uid);
      const next = missed.get(uid);
      missed.delete(uid);
      if (next) handle(next);
    });
  };
  const { resourceVersion, items } = await client.list(RESOURCES.pods, NAMESPACE);
  for (const pod of items) handle(pod);
  return client.watch(RESOURCES.pods, NAMESPACE, resourceVersion, {}, {
    event: (type, pod) => {
      if (type === 'ADDED' || type === 'MODIFIED') handle(pod);
      else if (type === 'DELETED') missed.delete(pod.metadata.uid!);
    },
    closed: (err) => {
      if (err) console.error(`kubelet watch closed: ${String(err)}`);
    },
  });
}

/** Waits (polling) until every Deployment has rolled out `image` completely. */
async function allRolledOut(client: ApiClient, image: string): Promise<void> {
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const { items } = await client.list(RESOURCES.deployments, NAMESPACE);
    const done = items.filter((d) => {
      const s = (d.status ?? {}) as { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number };
      const img = (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
      return img === image && s.observedGeneration === d.metadata.generation && s.updatedReplicas === REPLICAS && s.availableReplicas === REPLICAS && s.replicas === REPLICAS;
    }).length;
    if (done === DEPLOYMENTS) return;
    if (performance.now() > deadline && process.env.BENCH_DEBUG) {
      const pods = await client.list(RESOURCES.pods, NAMESPACE);
      const rs = await client.list(RESOURCES.replicasets, NAMESPACE);
      console.error(JSON.stringify({ d: items.slice(0, 1), rs: rs.items.slice(0, 1), pods: pods.items.length, pod0: pods.items[0] }, null, 1));
    }
    if (performance.now() > deadline) throw new Error(`only ${done}/${DEPLOYMENTS} Deployments rolled out ${image} within ${PHASE_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until no controller has reconciled for `quietMs`, so late status writes land in the phase that caused them. */
async function quiesce(clients: CountingClient[], quietMs = 300): Promise<void> {
  let last = -1;
  for (;;) {
    const total = clients.reduce((n, c) => n + c.counts.reconciles + c.counts.writes, 0);
    if (total === last) return;
    last = total;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

interface Phase {
  name: string;
  seconds: number;
  byController: { name: string; counts: Counts }[];
  /** The lower bound on writes for the phase, summed over all Deployments. */
  idealWrites: number;
}

function diff(after: Counts, before: Counts): Counts {
  const byKind: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.writesByKind)) if (v - (before.writesByKind[k] ?? 0) > 0) byKind[k] = v - (before.writesByKind[k] ?? 0);
  return {
    reconciles: after.reconciles - before.reconciles,
    get: after.get - before.get,
    list: after.list - before.list,
    watch: after.watch - before.watch,
    writes: after.writes - before.writes,
    events: after.events - before.events,
    redundant: after.redundant - before.redundant,
    writesByKind: byKind,
  };
}

function printTable(phases: Phase[]): void {
  const header = ['phase / controller', 'seconds', 'reconciles', 'reconciles/s', 'reads/rec', 'writes/rec', 'writes', 'writes/Deployment', 'lower bound/Deployment', 'ratio', 'redundant writes', 'events'];
  const rows: string[][] = [];
  for (const p of phases) {
    const total = p.byController.reduce((acc, c) => ({ ...acc, reconciles: acc.reconciles + c.counts.reconciles, get: acc.get + c.counts.get, list: acc.list + c.counts.list, writes: acc.writes + c.counts.writes, redundant: acc.redundant + c.counts.redundant, events: acc.events + c.counts.events }), zero());
    for (const { name, counts } of [...p.byController, { name: 'both', counts: total }]) {
      const isTotal = name === 'both';
      rows.push([
        `${p.name}: ${name}`,
        p.seconds.toFixed(2),
        String(counts.reconciles),
        (counts.reconciles / p.seconds).toFixed(0),
        ((counts.get + counts.list) / Math.max(1, counts.reconciles)).toFixed(3),
        (counts.writes / Math.max(1, counts.reconciles)).toFixed(2),
        String(counts.writes),
        (counts.writes / DEPLOYMENTS).toFixed(1),
        isTotal ? (p.idealWrites / DEPLOYMENTS).toFixed(0) : '',
        isTotal ? `${(counts.writes / p.idealWrites).toFixed(2)}x` : '',
        String(counts.redundant),
        String(counts.events),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(render(row));
  for (const p of phases) {
    for (const c of p.byController) console.log(`${p.name}, ${c.name} writes: ${Object.entries(c.counts.writesByKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log(`
reads/rec counts get/list calls outside the informers (ideal: 0, a controller reads its informers); the informers'
own list+watch calls are not in it. "lower bound/Deployment" is the fewest writes that can reach the end state:
  ready:   1 Deployment revision annotation + 1 ReplicaSet create + ${REPLICAS} pod creates + 1 ReplicaSet status
           + 1 Deployment status = ${REPLICAS + 4}
  rollout: 1 Deployment revision annotation + 1 ReplicaSet create + ${REPLICAS} pod creates + ${REPLICAS} pod deletes + 2 ReplicaSet scale writes per
           rolling step (new up, old down) + 1 status write per ReplicaSet and Deployment per step, with
           ceil(${REPLICAS} / (maxSurge + maxUnavailable)) steps at the default 25%/25%
The controllers see readiness pod by pod, so status writes per pod change are expected above the bound;
redundant writes (resourceVersion unchanged) should be 0.`);
}

/** Steps of a rolling update at the default 25% surge / 25% unavailable. */
function rolloutSteps(): number {
  const surge = Math.ceil(REPLICAS * 0.25);
  const unavailable = Math.floor(REPLICAS * 0.25);
  return Math.ceil(REPLICAS / (surge + unavailable));
}

async function main(): Promise<void> {
  const dataDir = tempDir('k8ts-bench-ctrl-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', controllers: false });
  const managers: ControllerManager[] = [];
  let stopKubelet: (() => void) | undefined;
  try {
    const client = server.client;
    await client.create(RESOURCES.nodes, undefined, {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
      status: { capacity: { cpu: '1000', memory: '1000Gi', pods: '5000' }, allocatable: { cpu: '1000', memory: '1000Gi', pods: '5000' }, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    // Calibration: a no-op patch must count as redundant, or the column below would prove nothing.
    const probe = new CountingClient(client);
    await client.patch(RESOURCES.nodes, undefined, 'node-1', 'application/merge-patch+json', { metadata: { labels: { bench: 'controllers' } } });
    await probe.patch(RESOURCES.nodes, undefined, 'node-1', 'application/merge-patch+json', { metadata: { labels: { bench: 'controllers' } } });
    if (probe.counts.redundant !== 1) throw new Error('a no-op patch changed the resourceVersion: redundant writes cannot be detected this way');
    const controllers: { name: string; client: CountingClient }[] = [];
    const makers: [string, (ctx: ControllerContext) => Controller][] = [
      ['deployment', (ctx) => new DeploymentController(ctx)],
      ['replicaset', (ctx) => new ReplicaSetController(ctx)],
    ];
    for (const [name, make] of makers) {
      const counting = new CountingClient(client);
      controllers.push({ name, client: counting });
      const manager = new ControllerManager(counting, server.wheel, () => {}, [(ctx) => countReconciles(make(ctx), counting)]);
      await manager.start();
      managers.push(manager);
    }
    stopKubelet = await startKubelet(client);
    const snapshot = () => controllers.map((c) => structuredClone(c.client.counts));
    const phases: Phase[] = [];
    const measure = async (name: string, idealWrites: number, act: () => Promise<void>, image: string) => {
      const before = snapshot();
      const started = performance.now();
      await act();
      await allRolledOut(client, image);
      const seconds = (performance.now() - started) / 1000;
      await quiesce(controllers.map((c) => c.client));
      const after = snapshot();
      phases.push({ name, seconds, idealWrites, byController: controllers.map((c, i) => ({ name: c.name, counts: diff(after[i]!, before[i]!) })) });
      console.error(`${name}: ${seconds.toFixed(2)} s`);
    };
    const all = (fn: (i: number) => Promise<unknown>) => Promise.all(Array.from({ length: DEPLOYMENTS }, (_, i) => fn(i)));

    await measure(`${DEPLOYMENTS} x ${REPLICAS} to ready`, DEPLOYMENTS * (REPLICAS + 4), async () => {
      await all((i) => client.create(RESOURCES.deployments, NAMESPACE, deployment(i, 'nginx:1.26')));
    }, 'nginx:1.26');
    await measure('rolling update', DEPLOYMENTS * (2 + 2 * REPLICAS + rolloutSteps() * (2 + 3)), async () => {
      await all((i) => client.patch(RESOURCES.deployments, NAMESPACE, deployment(i, '').metadata.name!, 'application/strategic-merge-patch+json',
        { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } }));
    }, 'nginx:1.27');
    printTable(phases);
  } finally {
    stopKubelet?.();
    for (const m of managers) m.stop();
    await server.close();
    removeDir(dataDir);
  }
}

await main();
process.exit(0);
