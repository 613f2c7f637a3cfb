// End to end with real runc, CNI plugins and a registry: an in-process
// k8ts server runs its node agent; the real kubectl drives it. Needs root,
// runc, containernetworking-plugins, docker-registry, umoci and skopeo
// (.ci/run installs them); it fails rather than skips without them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/k8ts-server.js';
import { Kubectl, run, waitFor } from '../e2e/harness.js';
import { buildBusyboxLayout, pushLayout, startRegistry, type TestRegistry } from './support/registry.js';

const NODE = 'agent-e2e';
// Per-run names, so two runs of this file on one host (two engineers' test suites) never share a bridge or cgroup tree.
const BRIDGE = `k8e${process.pid % 1_000_000}`;
const CGROUP_ROOT = `k8ts-e2e-${process.pid}`;
let server: RunningServer;
let kubectl: Kubectl;
let registry: TestRegistry;
let work: string;
let image: string;

before(async () => {
  assert.equal(process.getuid?.(), 0, 'agent e2e tests need root');
  work = mkdtempSync(join(tmpdir(), 'k8ts-agent-e2e-'));
  registry = await startRegistry();
  await pushLayout(await buildBusyboxLayout(work), registry.host, 'busybox:1');
  image = `${registry.host}/busybox:1`;
  server = await startServer({
    dataDir: join(work, 'server'), port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory',
    agent: { nodeName: NODE, hostIp: '127.0.0.1', bridgeName: BRIDGE, cgroupRoot: CGROUP_ROOT, clusterCidr: '10.251.0.0/16',
      crashLoopBackOff: { initialMs: 500, maxMs: 2000 }, imagePullBackOff: { initialMs: 500, maxMs: 2000 }, resyncMs: 500 },
  });
  assert.ok(server.agent, 'the node agent started');
  kubectl = new Kubectl(server.kubeconfigPath);
});

after(async () => {
  if (kubectl) await kubectl.run(['delete', 'pods,deployments', '--all', '--wait=true', '--timeout=60s']).catch(() => undefined);
  // Containers outlive a stopped agent by design, so the node is torn down before the server closes.
  await server?.agent?.teardownNode();
  await server?.close();
  kubectl?.cleanup();
  await registry?.stop();
  if (work) {
    await run('sh', ['-c', `grep -o '${work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
    rmSync(work, { recursive: true, force: true });
  }
});

function pod(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec } });
}

async function podJson(name: string): Promise<any> {
  return kubectl.json(['get', 'pod', name]);
}

test('the node registers Ready with capacity, a podCIDR and a heartbeat Lease', async () => {
  const node = await kubectl.json(['get', 'node', NODE]);
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], NODE);
  assert.equal(node.metadata.labels['kubernetes.io/arch'], 'amd64');
  assert.match(node.spec.podCIDR, /^10\.251\.\d+\.0\/24$/);
  assert.equal(node.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  assert.equal(node.status.conditions.find((c: any) => c.type === 'MemoryPressure').status, 'False');
  assert.ok(Number(node.status.capacity.pods) > 0 && node.status.allocatable.cpu);
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^runc:\/\//);
  const lease = await kubectl.json(['get', 'lease', '-n', 'kube-node-lease', NODE]);
  assert.equal(lease.spec.holderIdentity, NODE);
});

const SERVE = ['sh', '-c', 'echo hello from $(hostname); echo ok > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'];

test('pods run as real processes in their own namespaces; exec, logs and pod-to-pod TCP work', async () => {
  for (const name of ['web-a', 'web-b']) await kubectl.ok(['apply', '-f', '-'], { input: pod(name, { containers: [{ name: 'web', image, command: SERVE }] }) });
  const [a, b] = await Promise.all(['web-a', 'web-b'].map((name) => waitFor(`${name} running`, async () => {
    const p = await podJson(name);
    return p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? p : undefined;
  }, 60_000)));
  assert.notEqual(a.status.podIP, b.status.podIP);
  // The container's init is a real process with its own pid, mount, net and uts namespaces.
  const state = await run('runc', ['--root', join(work, 'server/agent/run/runc'), 'state', a.status.containerStatuses[0].containerID.replace('k8ts://', '')]);
  const pid = Number(/"pid": (\d+)/.exec(state.stdout)?.[1]);
  assert.ok(pid > 0, state.stderr);
  for (const ns of ['pid', 'mnt', 'net', 'uts']) assert.notEqual(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace`);
  assert.equal((await kubectl.ok(['exec', 'web-a', '--', 'hostname'])).trim(), 'web-a');
  assert.match(await kubectl.ok(['exec', 'web-a', '--', 'ip', 'addr', 'show', 'eth0']), new RegExp(`inet ${a.status.podIP.replace(/\./g, '\\.')}/24`));
  const fetched = await kubectl.ok(['exec', 'web-b', '--', 'wget', '-qO-', `http://${a.status.podIP}:8080/index.html`]);
  assert.equal(fetched.trim(), 'ok');
  const failed = await kubectl.run(['exec', 'web-a', '--', 'sh', '-c', 'echo out; exit 3']);
  assert.equal(failed.code, 3);
  assert.equal(failed.stdout, 'out\n');
  assert.equal((await kubectl.ok(['logs', 'web-a'])).trim(), 'hello from web-a');
  assert.match(await kubectl.ok(['logs', 'web-a', '--timestamps']), /^\d{4}-\d\d-\d\dT[\d:.]+Z hello from/);
});

test('kubectl create deployment rolls out on the agent', async () => {
  await kubectl.ok(['create', 'deployment', 'web', `--image=${image}`, '--replicas=2', '--', ...SERVE]);
  await kubectl.ok(['patch', 'deployment', 'web', '--type=merge', '-p', JSON.stringify({ spec: { template: { spec: { nodeName: NODE } } } })]);
  await kubectl.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
});

test('a crashing container restarts with back-off; --previous shows the last run; OOM kills are reported', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('crasher', { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo run $$$$; exit 2'] }] }) });
  const p = await waitFor('two restarts', async () => {
    const p = await podJson('crasher');
    return p.status?.containerStatuses?.[0]?.restartCount >= 2 ? p : undefined;
  }, 60_000);
  assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 2);
  assert.equal(p.status.containerStatuses[0].lastState.terminated.reason, 'Error');
  await waitFor('CrashLoopBackOff', async () => (await podJson('crasher')).status.containerStatuses[0].state.waiting?.reason === 'CrashLoopBackOff', 30_000);
  assert.match(await kubectl.ok(['logs', 'crasher', '--previous']), /^run \d+\n$/);

  await kubectl.ok(['apply', '-f', '-'], { input: pod('hog', { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'x=a; while true; do x=$x$x; done'], resources: { limits: { memory: '16Mi' } } }] }) });
  const oom = await waitFor('OOMKilled', async () => {
    const t = (await podJson('hog')).status?.containerStatuses?.[0]?.state?.terminated;
    return t ? t : undefined;
  }, 60_000);
  assert.equal(oom.reason, 'OOMKilled');
  assert.equal(oom.exitCode, 137);
  assert.equal((await podJson('hog')).status.phase, 'Failed');
});

test('an image the registry does not have ends in ImagePullBackOff with the registry\'s reason', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('missing', { containers: [{ name: 'c', image: `${registry.host}/busybox:nope` }] }) });
  const waiting = await waitFor('ImagePullBackOff', async () => {
    const w = (await podJson('missing')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'ImagePullBackOff' ? w : undefined;
  }, 30_000);
  assert.match(waiting.message, /^Back-off pulling image .*MANIFEST_UNKNOWN: manifest unknown/);
  const events = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=missing']);
  assert.match(events, /Failed to pull image .*MANIFEST_UNKNOWN/);
});

test('readiness and liveness probes: NotReady, then a restart for a failed liveness probe', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('probed', { containers: [{
    name: 'c', image, command: ['sh', '-c', 'touch /tmp/alive; sleep 3600'],
    readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1 },
    livenessProbe: { exec: { command: ['test', '-e', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
  }] }) });
  await waitFor('running', async () => (await podJson('probed')).status?.containerStatuses?.[0]?.state?.running, 30_000);
  let p = await podJson('probed');
  assert.equal(p.status.conditions.find((c: any) => c.type === 'Ready').status, 'False');
  await kubectl.ok(['exec', 'probed', '--', 'touch', '/tmp/ready']);
  await waitFor('Ready', async () => (await podJson('probed')).status.conditions.find((c: any) => c.type === 'Ready').status === 'True', 20_000);
  await kubectl.ok(['exec', 'probed', '--', 'rm', '/tmp/alive']);
  p = await waitFor('liveness restart', async () => {
    const x = await podJson('probed');
    return x.status.containerStatuses[0].restartCount >= 1 ? x : undefined;
  }, 30_000);
  assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 137);
});

test('deleting a pod removes its processes, netns, veth, cgroups and mounts', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('gone', { containers: [{ name: 'c', image, command: ['sleep', '3600'] }], volumes: [{ name: 'm', emptyDir: { medium: 'Memory' } }] }) });
  const p = await waitFor('running', async () => {
    const x = await podJson('gone');
    return x.status?.phase === 'Running' ? x : undefined;
  }, 30_000);
  const uid = p.metadata.uid;
  const agentDir = join(work, 'server/agent');
  const vethsBefore = readdirSync('/sys/class/net').filter((n) => n.startsWith('veth')).length;
  assert.ok(existsSync(join(agentDir, 'run/ns', uid, 'net')));
  await kubectl.ok(['delete', 'pod', 'gone', '--wait=true', '--timeout=30s']);
  await assert.rejects(kubectl.json(['get', 'pod', 'gone']));
  assert.equal(existsSync(join(agentDir, 'run/ns', uid)), false, 'namespace files');
  assert.equal(existsSync(join(agentDir, 'pods', uid)), false, 'pod state dir');
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(uid), false, 'mounts');
  for (const ctl of ['memory', 'cpu', 'pids']) {
    for (const tier of ['', 'besteffort', 'burstable']) assert.equal(existsSync(join('/sys/fs/cgroup', ctl, CGROUP_ROOT, tier, `pod${uid}`)), false, `${ctl} cgroup`);
  }
  assert.equal(readdirSync('/sys/class/net').filter((n) => n.startsWith('veth')).length, vethsBefore - 1, 'veth');
  const left = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && d !== String(process.pid)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(uid);
    } catch {
      return false;
    }
  });
  assert.deepEqual(left, [], 'processes');
});
