// Endpoints and EndpointSlices follow the pods a Service selects: readiness,
// named target ports resolved per pod, headless Services, terminating pods,
// publishNotReadyAddresses; Services without a selector are left alone and
// an unchanged state causes no writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../src/client/api-client.js';
import { EndpointsController } from '../../src/controllers/endpoints/endpoint-controller.js';
import { EndpointSliceController } from '../../src/controllers/endpoints/endpointslice-controller.js';
import { GarbageCollector } from '../../src/controllers/garbagecollector/garbage-collector.js';
import { waitFor } from '../e2e/harness.js';
import type { ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

const NS = 'default';
const NODE = 'node-1';

/** Every write the controllers make, as "verb resource name". */
const writes: string[] = [];

function recordingWrites(client: ApiClient): ApiClient {
  const record = (verb: string, resource: string, name: string | undefined) => writes.push(`${verb} ${resource} ${name ?? '?'}`);
  return {
    get: (...a) => client.get(...a),
    list: (...a) => client.list(...a),
    watch: (...a) => client.watch(...a),
    bindPod: (...a) => client.bindPod(...a),
    finalizeNamespace: (...a) => client.finalizeNamespace(...a),
    create: (ref, ns, obj) => (record('create', ref.resource, obj.metadata.name ?? obj.metadata.generateName), client.create(ref, ns, obj)),
    update: (ref, ns, obj, sub) => (record('update', ref.resource, obj.metadata.name), client.update(ref, ns, obj, sub)),
    patch: (ref, ns, name, type, patch, sub) => (record('patch', ref.resource, name), client.patch(ref, ns, name, type, patch, sub)),
    delete: (ref, ns, name, opts) => (record('delete', ref.resource, name), client.delete(ref, ns, name, opts)),
  };
}

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlaneWith(
    [(ctx) => new EndpointsController(ctx), (ctx) => new EndpointSliceController(ctx), (ctx) => new GarbageCollector(ctx)],
    { wrapClient: recordingWrites },
  );
  await cp.kubelet.createNode(NODE);
});

after(async () => {
  await cp?.close();
});

interface Port { name?: string; containerPort: number }

async function runningPod(name: string, labels: Record<string, string>, ports: Port[], opts: { ready?: boolean; extraSpec?: Record<string, unknown> } = {}): Promise<KubeObject> {
  const pod = await cp.client.create(RESOURCES.pods, NS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports }], ...opts.extraSpec },
  });
  await cp.kubelet.bind(pod, NODE);
  return cp.kubelet.setRunning(await cp.client.get(RESOURCES.pods, NS, name), opts.ready ?? true);
}

function service(name: string, spec: Record<string, unknown>): Promise<KubeObject> {
  return cp.client.create(RESOURCES.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { team: 'blue' } }, spec });
}

async function endpointsOf(name: string): Promise<KubeObject | undefined> {
  try {
    return await cp.client.get(RESOURCES.endpoints, NS, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function slicesOf(name: string): Promise<KubeObject[]> {
  return (await cp.client.list(RESOURCES.endpointslices, NS, { labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

/** Waits until the Endpoints' subsets equal `expected`. */
async function subsetsBecome(name: string, expected: unknown[]): Promise<KubeObject> {
  let last: unknown;
  try {
    return await waitFor(`endpoints ${name}`, async () => {
      const ep = await endpointsOf(name);
      last = ep?.subsets ?? [];
      return ep && isDeepStrictEqual(last, expected) ? ep : undefined;
    }, 10_000);
  } catch (err) {
    assert.deepEqual(last, expected);
    throw err;
  }
}

function address(pod: KubeObject) {
  return { ip: (pod.status as { podIP: string }).podIP, nodeName: NODE, targetRef: { kind: 'Pod', namespace: NS, name: pod.metadata.name, uid: pod.metadata.uid } };
}

function sliceEndpointOf(slices: KubeObject[], pod: KubeObject): { conditions: Record<string, boolean>; [k: string]: unknown } | undefined {
  for (const slice of slices) {
    const found = (slice.endpoints as { targetRef: { uid: string } }[] | undefined ?? []).find((e) => e.targetRef.uid === pod.metadata.uid);
    if (found) return found as never;
  }
  return undefined;
}

describe('Endpoints and EndpointSlices', () => {
  it('resolve a named targetPort per pod and follow readiness', async () => {
    const web1 = await runningPod('web-1', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]);
    const web2 = await runningPod('web-2', { app: 'web' }, [{ name: 'http', containerPort: 9090 }]);
    await runningPod('other', { app: 'other' }, [{ name: 'http', containerPort: 8080 }]);
    const svc = await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });

    // Each pod serves "http" on its own port: one subset per port.
    const byIp = [web1, web2].sort((a, b) => address(a).ip.localeCompare(address(b).ip));
    const expected = (notReady?: KubeObject) => byIp.map((pod) => ({
      ...(pod === notReady ? { notReadyAddresses: [address(pod)] } : { addresses: [address(pod)] }),
      ports: [{ port: pod === web1 ? 8080 : 9090, protocol: 'TCP', name: 'http' }],
    })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const ep = await subsetsBecome('web', expected());
    assert.deepEqual(ep.metadata.labels, { team: 'blue' });

    const slices = await waitFor('two slices, one per port', async () => {
      const list = await slicesOf('web');
      return list.length === 2 && list.every((s) => (s.endpoints as unknown[]).length === 1) ? list : undefined;
    });
    for (const slice of slices) {
      assert.match(slice.metadata.name!, /^web-[a-z0-9]{5}$/);
      assert.equal(slice.addressType, 'IPv4');
      assert.deepEqual(slice.metadata.labels, {
        team: 'blue', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      });
      assert.deepEqual(slice.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Service', 'web', svc.metadata.uid, true]]);
    }
    const endpoint1 = sliceEndpointOf(slices, web1)!;
    assert.deepEqual(endpoint1, {
      addresses: [address(web1).ip], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: NS, name: 'web-1', uid: web1.metadata.uid }, nodeName: NODE,
    });
    assert.deepEqual(slices.find((s) => s === slices.find((x) => sliceEndpointOf([x], web1)))!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);

    await cp.kubelet.setRunning(web1, false);
    await subsetsBecome('web', expected(web1));
    await waitFor('the slice endpoint not ready', async () => sliceEndpointOf(await slicesOf('web'), web1)?.conditions.ready === false);
    assert.deepEqual(sliceEndpointOf(await slicesOf('web'), web1)!.conditions, { ready: false, serving: false, terminating: false });

    await cp.kubelet.setRunning(web1, true);
    await subsetsBecome('web', expected());
    await waitFor('the slice endpoint ready again', async () => sliceEndpointOf(await slicesOf('web'), web1)?.conditions.ready === true);
  });

  it('groups pods serving the same ports into one subset and lists terminating pods only in slices', async () => {
    const a = await runningPod('api-a', { app: 'api' }, [{ containerPort: 8080 }]);
    const b = await runningPod('api-b', { app: 'api' }, [{ containerPort: 8080 }]);
    await service('api', { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9100, targetPort: 9100 }] });
    const both = [a, b].map(address).sort((x, y) => x.ip.localeCompare(y.ip));
    await subsetsBecome('api', [{ addresses: both, ports: [{ port: 8080, protocol: 'TCP', name: 'http' }, { port: 9100, protocol: 'TCP', name: 'metrics' }] }]);

    // A bound pod is deleted gracefully: it stays, terminating, until its kubelet is done.
    await cp.client.delete(RESOURCES.pods, NS, 'api-a');
    await subsetsBecome('api', [{ addresses: [address(b)], ports: [{ port: 8080, protocol: 'TCP', name: 'http' }, { port: 9100, protocol: 'TCP', name: 'metrics' }] }]);
    await waitFor('the terminating endpoint in the slice', async () => sliceEndpointOf(await slicesOf('api'), a)?.conditions.terminating === true);
    assert.deepEqual(sliceEndpointOf(await slicesOf('api'), a)!.conditions, { ready: false, serving: true, terminating: true });

    await cp.kubelet.finishTerminating();
    await waitFor('the deleted pod gone from the slices', async () => {
      const slices = await slicesOf('api');
      return slices.length === 1 && !sliceEndpointOf(slices, a) && sliceEndpointOf(slices, b) !== undefined;
    });
  });

  it('publishes not-ready pods as ready when publishNotReadyAddresses is set', async () => {
    const pod = await runningPod('db-0', { app: 'db' }, [{ containerPort: 5432 }], { ready: false });
    await service('db', { selector: { app: 'db' }, publishNotReadyAddresses: true, ports: [{ port: 5432 }] });
    await subsetsBecome('db', [{ addresses: [address(pod)], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    await waitFor('the slice endpoint', async () => sliceEndpointOf(await slicesOf('db'), pod));
    assert.deepEqual(sliceEndpointOf(await slicesOf('db'), pod)!.conditions, { ready: true, serving: false, terminating: false });
  });

  it('covers headless Services without ports, with hostnames for pods naming the Service as subdomain', async () => {
    const pod = await runningPod('peer-0', { app: 'peer' }, [], { extraSpec: { hostname: 'peer-0', subdomain: 'peers' } });
    await service('peers', { selector: { app: 'peer' }, clusterIP: 'None' });
    const ep = await subsetsBecome('peers', [{ addresses: [{ ...address(pod), hostname: 'peer-0' }] }]);
    assert.deepEqual(ep.metadata.labels, { team: 'blue', 'service.kubernetes.io/headless': '' });
    const slice = await waitFor('the headless slice', async () => (await slicesOf('peers')).find((s) => sliceEndpointOf([s], pod)));
    assert.equal(slice.metadata.labels!['service.kubernetes.io/headless'], '');
    assert.deepEqual(slice.ports ?? [], []);
    assert.equal(sliceEndpointOf([slice], pod)!.hostname, 'peer-0');
  });

  it('keeps an empty placeholder slice for a Service selecting nothing, and cleans up when the Service goes', async () => {
    await service('lonely', { selector: { app: 'nobody' }, ports: [{ port: 80 }] });
    const [placeholder] = await waitFor('the placeholder slice', async () => {
      const slices = await slicesOf('lonely');
      return slices.length === 1 ? slices : undefined;
    });
    assert.deepEqual(placeholder!.endpoints ?? [], []);
    assert.deepEqual((await endpointsOf('lonely'))?.subsets, undefined);

    await cp.kubectl.ok(['delete', 'service', 'lonely', '-n', NS]);
    await waitFor('the Endpoints deleted with the Service', async () => (await endpointsOf('lonely')) === undefined);
    await waitFor('the slices collected with the Service', async () => (await slicesOf('lonely')).length === 0);
  });

  it('leaves Services without a selector, and default/kubernetes, alone, and writes nothing when nothing changed', async () => {
    const kubernetes = await endpointsOf('kubernetes');
    assert.ok(kubernetes, 'the API server keeps default/kubernetes');
    await cp.client.create(RESOURCES.endpoints, NS, {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    const manual = await endpointsOf('external');
    await service('external', { ports: [{ port: 5432 }] });

    // Settle a selector Service, then poke it and a pod in ways that change no endpoint.
    const pod = await runningPod('quiet-0', { app: 'quiet' }, [{ containerPort: 80 }]);
    await service('quiet', { selector: { app: 'quiet' }, ports: [{ port: 80 }] });
    await subsetsBecome('quiet', [{ addresses: [address(pod)], ports: [{ port: 80, protocol: 'TCP' }] }]);
    await waitFor('the quiet slice', async () => sliceEndpointOf(await slicesOf('quiet'), pod));
    const before = writes.length;
    await cp.kubectl.ok(['annotate', 'service', 'quiet', '-n', NS, 'note=unchanged-endpoints']);
    await cp.kubectl.ok(['annotate', 'pod', 'quiet-0', '-n', NS, 'note=unchanged-endpoints']);
    // A later Service's endpoints appearing shows the controllers have worked through what came before.
    const marker = await runningPod('marker-0', { app: 'marker' }, [{ containerPort: 80 }]);
    await service('marker', { selector: { app: 'marker' }, ports: [{ port: 80 }] });
    await subsetsBecome('marker', [{ addresses: [address(marker)], ports: [{ port: 80, protocol: 'TCP' }] }]);
    await waitFor('the marker slice', async () => sliceEndpointOf(await slicesOf('marker'), marker));

    assert.deepEqual(writes.slice(before).filter((w) => !w.includes('marker')), []);
    assert.equal((await endpointsOf('external'))!.metadata.resourceVersion, manual!.metadata.resourceVersion);
    assert.deepEqual(await slicesOf('external'), []);
    assert.equal((await endpointsOf('kubernetes'))!.metadata.resourceVersion, kubernetes.metadata.resourceVersion);
    assert.deepEqual(await slicesOf('kubernetes'), []);
    assert.deepEqual(writes.filter((w) => / (kubernetes|external)$/.test(w)), []);
  });
});
