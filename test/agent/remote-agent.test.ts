// `k8ts agent` as its own process joining a `k8ts server` process that runs
// no agent, over HTTPS with the cluster token: pods bound to its node run
// under real runc, kubectl exec/logs reach them through the server, and an
// agent killed with SIGKILL leaves its containers running for the next one
// to adopt. Needs root, runc, the CNI plugins, docker-registry, umoci, skopeo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run, startServer, waitFor, type Kubectl, type RunResult } from '../e2e/harness.js';
import { startAgentProcess } from './support/agent-process.js';
import { startRemoteCluster, type RemoteCluster } from './support/remote-cluster.js';

const NODE = 'remote-agent-e2e';
let c: RemoteCluster;
let kubectl: Kubectl;
let work: string;
let image: string;
let layout: string;

before(async () => {
  c = await startRemoteCluster({
    name: NODE, clusterCidr: '10.252.0.0/16',
    // Images named after a registry that does not exist come from the test's registry; allocatable is capacity minus these.
    agentArgs: (registryHost) => ['--registry-mirror', `mirror.invalid=${registryHost}`, '--system-reserved', 'cpu=500m,memory=1Gi'],
  });
  ({ kubectl, work, image, layout } = c);
});

after(async () => {
  await c?.close();
});

/** What runc knows of a container (pid, status, rootfs), from the agent's runc root. */
async function containerState(containerId: string): Promise<{ pid: number; status: string; rootfs: string }> {
  const r = await run('runc', ['--root', c.runcRoot, 'state', containerId]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function containerIdOf(pod: any): string {
  return pod.status.containerStatuses[0].containerID.replace('k8ts://', '');
}

async function podJson(name: string): Promise<any> {
  return kubectl.json(['get', 'pod', name]);
}

test('the remote agent registers its node, runs a pod and serves exec and logs through the server', async () => {
  const node = await waitFor('node Ready', async () => {
    const n = await kubectl.json(['get', 'node', NODE]);
    return n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? n : undefined;
  }, 20_000);
  assert.match(node.spec.podCIDR, /^10\.252\.\d+\.0\/24$/);
  assert.equal(node.status.allocatable.cpu, `${Number(node.status.capacity.cpu) * 1000 - 500}m`);
  assert.equal(Number(/^(\d+)Ki$/.exec(node.status.capacity.memory)![1]) - Number(/^(\d+)Ki$/.exec(node.status.allocatable.memory)![1]), 1024 * 1024);
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'remote' }, spec: {
    nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, command: ['sh', '-c', 'echo started on $(hostname); exec sleep 3600'] }] } }) });
  const p = await waitFor('pod Running', async () => {
    const x = await podJson('remote');
    return x.status?.phase === 'Running' ? x : undefined;
  }, 60_000);
  assert.match(p.status.podIP, /^10\.252\./);
  assert.equal((await kubectl.ok(['exec', 'remote', '--', 'hostname'])).trim(), 'remote');
  const r = await kubectl.run(['exec', 'remote', '--', 'sh', '-c', 'echo err >&2; exit 4']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /err/);
  await waitFor('logs', async () => (await kubectl.ok(['logs', 'remote'])).trim() === 'started on remote', 10_000);
});

test('SIGKILL of the agent leaves containers running; a new agent adopts them with restartCount unchanged', async () => {
  const before = await podJson('remote');
  const containerId = containerIdOf(before);
  const pidOf = async () => (await containerState(containerId)).pid;
  const pid = await pidOf();
  assert.ok(pid > 0);
  await c.agent!.kill();
  // The container outlives its agent.
  process.kill(pid, 0);
  assert.equal(await pidOf(), pid);
  c.agent = await startAgentProcess(c.agentArgs);
  assert.match(c.agent.output(), /"adoptedContainers":1/);
  // The new agent queued the adopted pod at its first sync, before this one: once this runs, that sync is done.
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'later' }, spec: {
    nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } }) });
  await waitFor('second pod Running', async () => (await podJson('later')).status?.phase === 'Running', 30_000);
  const after = await podJson('remote');
  assert.equal(after.status.phase, 'Running');
  assert.equal(after.status.containerStatuses[0].restartCount, before.status.containerStatuses[0].restartCount);
  assert.equal(after.status.containerStatuses[0].containerID, before.status.containerStatuses[0].containerID);
  assert.equal(await pidOf(), pid);
  assert.equal((await kubectl.ok(['exec', 'remote', '--', 'cat', '/proc/1/cmdline'])).replace(/\0/g, ' ').trim(), 'sleep 3600');
});

test('while the API server is gone pods keep running; when it returns the agent reports what happened meanwhile', async () => {
  // A pod that exits 7 once a file appears in its root filesystem: the test makes it exit during the outage.
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'outage' }, spec: {
    nodeName: NODE, restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image, command: ['sh', '-c', 'while [ ! -e /finish ]; do sleep 0.1; done; exit 7'] }] } }) });
  const running = await waitFor('pod outage Running', async () => {
    const x = await podJson('outage');
    return x.status?.phase === 'Running' ? x : undefined;
  }, 30_000);
  const survivor = await podJson('remote');
  const survivorPid = (await containerState(containerIdOf(survivor))).pid;
  const outage = await containerState(containerIdOf(running));
  const port = new URL(c.server.url).port;

  assert.equal(await c.server.stop(), 0);
  writeFileSync(join(outage.rootfs, 'finish'), '');
  await waitFor('the outage container to exit', async () => (await containerState(containerIdOf(running))).status === 'stopped', 10_000, 50);
  // The agent is still up and the other pod's process untouched.
  assert.equal(c.agent!.child.exitCode, null, c.agent!.output());
  process.kill(survivorPid, 0);

  c.server = await startServer({ dataDir: join(work, 'server'), port: Number(port) });
  const finished = await waitFor('pod outage Failed with exit code 7', async () => {
    const x = await podJson('outage');
    return x.status?.phase === 'Failed' ? x : undefined;
  }, 60_000, 250);
  assert.equal(finished.status.containerStatuses[0].state.terminated.exitCode, 7);
  const after = await podJson('remote');
  assert.equal(after.status.phase, 'Running');
  assert.equal(after.status.containerStatuses[0].containerID, survivor.status.containerStatuses[0].containerID);
  assert.equal(after.status.containerStatuses[0].restartCount, survivor.status.containerStatuses[0].restartCount);
  assert.equal((await containerState(containerIdOf(after))).pid, survivorPid);
});

/** `k8ts image …` on the agent's data dir, as a user on that host would run it. */
function k8tsImage(args: string[]): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'image', ...args, '--data-dir', join(work, 'agent')]);
}

test('k8ts image import loads OCI-layout and docker-archive tarballs that pods run with imagePullPolicy Never; ls and rm', async () => {
  // Names under a registry that does not exist: only the import can have put them there.
  const ociTar = join(work, 'box-oci.tar');
  assert.equal((await run('tar', ['-C', layout, '-cf', ociTar, '.'])).code, 0);
  const dockerTar = join(work, 'box-docker.tar');
  const copied = await run('skopeo', ['copy', '--insecure-policy', `oci:${layout}:latest`, `docker-archive:${dockerTar}:offline.invalid/tools/box:2`]);
  assert.equal(copied.code, 0, copied.stderr);

  const oci = await k8tsImage(['import', ociTar, '--name', 'offline.invalid/tools/box:1']);
  assert.equal(oci.code, 0, oci.stderr);
  assert.match(oci.stdout, /^offline\.invalid\/tools\/box:1 sha256:[0-9a-f]{64}$/m);
  const docker = await k8tsImage(['import', dockerTar]);
  assert.equal(docker.code, 0, docker.stderr);
  assert.match(docker.stdout, /^offline\.invalid\/tools\/box:2 sha256:[0-9a-f]{64}$/m);
  const listed = (await k8tsImage(['ls'])).stdout;
  assert.match(listed, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/m);
  assert.match(listed, /^offline\.invalid\/tools\/box\s+1\s+[0-9a-f]{13}\s+[\d.]+MB$/m);
  assert.match(listed, /^offline\.invalid\/tools\/box\s+2\s+[0-9a-f]{13}\s+[\d.]+MB$/m);

  const pod = (name: string, ref: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: {
    nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: ref, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } });
  await kubectl.ok(['apply', '-f', '-'], { input: pod('imported-oci', 'offline.invalid/tools/box:1') });
  await kubectl.ok(['apply', '-f', '-'], { input: pod('imported-docker', 'offline.invalid/tools/box:2') });
  await kubectl.ok(['apply', '-f', '-'], { input: pod('not-imported', 'offline.invalid/tools/box:3') });
  for (const name of ['imported-oci', 'imported-docker']) {
    await waitFor(`pod ${name} Running`, async () => (await podJson(name)).status?.phase === 'Running', 30_000);
    assert.equal((await kubectl.ok(['exec', name, '--', 'busybox', 'echo', 'from the import'])).trim(), 'from the import');
  }
  const missing = await waitFor('ErrImageNeverPull', async () => {
    const w = (await podJson('not-imported')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'ErrImageNeverPull' ? w : undefined;
  }, 30_000);
  assert.match(missing.message, /offline\.invalid\/tools\/box:3.*not present with pull policy of Never/);
  await kubectl.ok(['delete', 'pod', 'imported-oci', 'imported-docker', 'not-imported', '--wait=true', '--timeout=30s']);

  // Both archives hold the registry's busybox image: removing one of its names only untags it.
  const removed = await k8tsImage(['rm', 'offline.invalid/tools/box:2']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, 'Untagged: offline.invalid/tools/box:2\n');
  const left = (await k8tsImage(['ls'])).stdout;
  assert.doesNotMatch(left, /offline\.invalid\/tools\/box\s+2\s/);
  assert.match(left, /offline\.invalid\/tools\/box\s+1\s/);
  // The image's last name, or its ID, would delete layers that running containers have as their root filesystem.
  const id = /offline\.invalid\/tools\/box:1 (sha256:[0-9a-f]{64})/.exec(oci.stdout)![1]!;
  const inUse = await k8tsImage(['rm', id]);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /conflict: unable to remove image sha256:[0-9a-f]{64} \([0-9a-f]{12}\): it is being used by container \S+ \(pod default\/[a-z-]+\)/);
  assert.match((await k8tsImage(['ls'])).stdout, /offline\.invalid\/tools\/box\s+1\s/);
  const again = await k8tsImage(['rm', 'offline.invalid/tools/box:2']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no image "offline\.invalid\/tools\/box:2"/);
});

test('--registry-mirror: an image of a registry that does not exist is pulled from its mirror', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mirrored' }, spec: {
    nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'mirror.invalid/busybox:1', imagePullPolicy: 'Always', command: ['sleep', '3600'] }] } }) });
  await waitFor('pod mirrored Running', async () => (await podJson('mirrored')).status?.phase === 'Running', 30_000);
  const pod = await podJson('mirrored');
  assert.equal(pod.status.containerStatuses[0].image, 'mirror.invalid/busybox:1');
  assert.match(pod.status.containerStatuses[0].imageID, /^mirror\.invalid\/busybox@sha256:[0-9a-f]{64}$/);
  await kubectl.ok(['delete', 'pod', 'mirrored', '--wait=true', '--timeout=30s']);
});
