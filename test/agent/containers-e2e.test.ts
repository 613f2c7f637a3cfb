// What a container gets from its pod spec, checked from inside it (through
// kubectl exec) and from the host: securityContext (user, group, read-only
// root, capabilities, privileged), resources as cgroup limits, hostNetwork,
// the kubectl logs options, image pulls with zstd layers and their Events,
// and the clean-up of containers whose pods were deleted while the agent was
// down. Needs root, runc, the CNI plugins, docker-registry, umoci, skopeo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run, waitFor, type Kubectl } from '../e2e/harness.js';
import { pushLayout } from './support/registry.js';
import { startAgentProcess } from './support/agent-process.js';
import { startRemoteCluster, type RemoteCluster } from './support/remote-cluster.js';

const NODE = 'containers-e2e';
const POD_MAX_PIDS = 100;
let c: RemoteCluster;
let kubectl: Kubectl;

before(async () => {
  c = await startRemoteCluster({ name: NODE, clusterCidr: '10.253.0.0/16', agentArgs: () => ['--pod-max-pids', String(POD_MAX_PIDS)] });
  kubectl = c.kubectl;
});

after(async () => {
  await c?.close();
});

interface ContainerSpec {
  name: string;
  command?: string[];
  [field: string]: unknown;
}

/** Applies a pod on the test's node (sleeping containers unless told otherwise) and waits for it to run. */
async function runPod(name: string, containers: ContainerSpec[], spec: Record<string, unknown> = {}): Promise<any> {
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: {
    nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec,
    containers: containers.map((x) => ({ image: c.image, command: ['sleep', '3600'], ...x })) } }) });
  let last: any;
  try {
    return await waitFor(`pod ${name} Running`, async () => {
      last = await kubectl.json(['get', 'pod', name]);
      return last.status?.phase === 'Running' && last.status.containerStatuses?.every((s: any) => s.state?.running) ? last : undefined;
    }, 30_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}\nagent: ${c.agent?.output().slice(-3000)}`);
  }
}

async function exec(pod: string, container: string, ...cmd: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return kubectl.run(['exec', pod, '-c', container, '--', ...cmd]);
}

async function capEff(pod: string, container: string): Promise<string> {
  const r = await exec(pod, container, 'grep', 'CapEff', '/proc/self/status');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split(':')[1]!.trim();
}

/** The init pid of a container, from runc on the host. */
async function containerPid(pod: any, container: string): Promise<number> {
  const id = pod.status.containerStatuses.find((s: any) => s.name === container).containerID.replace('k8ts://', '');
  const r = await run('runc', ['--root', c.runcRoot, 'state', id]);
  assert.equal(r.code, 0, `${id}: ${r.stderr}\n${JSON.stringify(pod.status.containerStatuses)}`);
  return (JSON.parse(r.stdout) as { pid: number }).pid;
}

/** A file of a process's cgroup in one v1 hierarchy, as the host sees it. */
function cgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]!.split(',').includes(controller));
  assert.ok(line, `pid ${pid} has no ${controller} cgroup`);
  return readFileSync(join('/sys/fs/cgroup', controller, line.split(':')[2]!, file), 'utf8').trim();
}

// containerd's default set, which a pod without capabilities in its securityContext gets:
// CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
const DEFAULT_CAP_MASK = 0xa80425fbn;
const CAP_KILL = 5n;
const CAP_NET_ADMIN = 12n;

test('securityContext: user and group, read-only root, no new privileges, capabilities as granted, privileged only when asked', async () => {
  await runPod('secure', [
    { name: 'user', securityContext: { runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } },
    { name: 'plain' },
    { name: 'netadmin', securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['KILL'] } } },
    { name: 'none', securityContext: { capabilities: { drop: ['ALL'] } } },
    { name: 'priv', securityContext: { privileged: true } },
  ]);
  assert.equal((await exec('secure', 'user', 'id', '-u')).stdout.trim(), '65534');
  assert.equal((await exec('secure', 'user', 'id', '-g')).stdout.trim(), '65534');
  const write = await exec('secure', 'user', 'touch', '/written');
  assert.notEqual(write.code, 0);
  assert.match(write.stderr, /Read-only file system/);
  assert.match((await exec('secure', 'user', 'grep', 'NoNewPrivs', '/proc/self/status')).stdout, /NoNewPrivs:\s+1/);
  assert.match((await exec('secure', 'plain', 'grep', 'NoNewPrivs', '/proc/self/status')).stdout, /NoNewPrivs:\s+0/);
  // A writable root for the others.
  assert.equal((await exec('secure', 'plain', 'touch', '/written')).code, 0);

  assert.equal(BigInt(`0x${await capEff('secure', 'plain')}`), DEFAULT_CAP_MASK);
  assert.equal(BigInt(`0x${await capEff('secure', 'netadmin')}`), (DEFAULT_CAP_MASK | (1n << CAP_NET_ADMIN)) & ~(1n << CAP_KILL));
  assert.equal(BigInt(`0x${await capEff('secure', 'none')}`), 0n);
  // Only the privileged container may mount; it holds every capability the kernel has.
  const denied = await exec('secure', 'plain', 'mount', '-t', 'tmpfs', 'scratch', '/tmp');
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /denied|not permitted/i);
  const mounted = await exec('secure', 'priv', 'mount', '-t', 'tmpfs', 'scratch', '/tmp');
  assert.equal(mounted.code, 0, `privileged mount: ${mounted.stderr}`);
  const hostCapBound = /CapBnd:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
  assert.equal(BigInt(`0x${await capEff('secure', 'priv')}`), BigInt(`0x${hostCapBound}`));
});

test('resources become cgroup limits: memory, CPU quota over a 100 ms period, and the node\'s pids limit', async () => {
  const pod = await runPod('limited', [{ name: 'c', resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '250m', memory: '64Mi' } } }]);
  const pid = await containerPid(pod, 'c');
  assert.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_period_us'), '100000');
  assert.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us'), '25000');
  assert.equal(cgroupFile(pid, 'pids', 'pids.max'), String(POD_MAX_PIDS));
  assert.equal(pod.status.qosClass, 'Burstable');
});

test('hostNetwork: the pod runs in the host\'s network namespace and reports the host IP', async () => {
  const pod = await runPod('hostnet', [{ name: 'c' }], { hostNetwork: true });
  assert.equal(pod.status.podIP, '127.0.0.1');
  const hostNet = readlinkSync('/proc/self/ns/net');
  assert.equal(readlinkSync(`/proc/${await containerPid(pod, 'c')}/ns/net`), hostNet);
  const isolated = await runPod('podnet', [{ name: 'c' }]);
  assert.notEqual(readlinkSync(`/proc/${await containerPid(isolated, 'c')}/ns/net`), hostNet);
  assert.match(isolated.status.podIP, /^10\.253\./);
});

test('kubectl logs: -c, --tail, --all-containers, --prefix, --since-time and --timestamps', async () => {
  const print = (tag: string) => ['sh', '-c', `for i in 1 2 3 4 5; do echo ${tag}-$i; done; exec sleep 3600`];
  await runPod('chatty', [{ name: 'a', command: print('a') }, { name: 'b', command: print('b') }]);
  await waitFor('five lines from each container', async () => (await kubectl.ok(['logs', 'chatty', '--all-containers'])).trim().split('\n').length === 10, 10_000);
  assert.equal(await kubectl.ok(['logs', 'chatty', '-c', 'b']), 'b-1\nb-2\nb-3\nb-4\nb-5\n');
  assert.equal(await kubectl.ok(['logs', 'chatty', '-c', 'a', '--tail=2']), 'a-4\na-5\n');
  const prefixed = (await kubectl.ok(['logs', 'chatty', '--all-containers', '--prefix'])).trim().split('\n');
  assert.deepEqual(prefixed.filter((l) => l.startsWith('[pod/chatty/b]')).map((l) => l.split(' ')[1]), ['b-1', 'b-2', 'b-3', 'b-4', 'b-5']);
  assert.equal(prefixed.length, 10);
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const hourAhead = new Date(Date.now() + 3_600_000).toISOString();
  assert.equal((await kubectl.ok(['logs', 'chatty', '-c', 'a', `--since-time=${hourAgo}`])).trim().split('\n').length, 5);
  assert.equal(await kubectl.ok(['logs', 'chatty', '-c', 'a', `--since-time=${hourAhead}`]), '');
  const stamped = (await kubectl.ok(['logs', 'chatty', '-c', 'a', '--timestamps', '--tail=1'])).trim();
  const match = /^(\S+) a-5$/.exec(stamped);
  assert.ok(match, stamped);
  assert.ok(Math.abs(Date.parse(match[1]!) - Date.now()) < 120_000, `timestamp ${match[1]} is now`);
});

test('image pulls: zstd layers, Pulling/Pulled Events with progress, and IfNotPresent reusing what is there', async () => {
  await pushLayout(c.layout, c.registry.host, 'busybox:zstd', { zstd: true });
  const image = `${c.registry.host}/busybox:zstd`;
  await runPod('zstd-first', [{ name: 'c', image }]);
  const reasons = async (pod: string) => (await kubectl.json<{ items: any[] }>(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).items
    .map((e) => `${e.reason}: ${e.message}`);
  const first = await waitFor('the Pulled event', async () => {
    const r = await reasons('zstd-first');
    return r.some((x) => x.startsWith('Pulled: ')) ? r : undefined;
  }, 10_000);
  assert.ok(first.includes(`Pulling: Pulling image "${image}"`), first.join('\n'));
  assert.ok(first.some((x) => x.startsWith(`Pulling: ${image}: `)), `a progress event in\n${first.join('\n')}`);
  assert.ok(first.some((x) => new RegExp(`^Pulled: Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in \\d+ms`).test(x)), first.join('\n'));
  assert.equal((await exec('zstd-first', 'c', 'busybox', 'true')).code, 0);

  await runPod('zstd-second', [{ name: 'c', image, imagePullPolicy: 'IfNotPresent' }]);
  const second = await waitFor('the Pulled event', async () => {
    const r = await reasons('zstd-second');
    return r.some((x) => x.startsWith('Pulled: ')) ? r : undefined;
  }, 10_000);
  assert.ok(second.includes(`Pulled: Container image "${image}" already present on machine`), second.join('\n'));
  assert.ok(!second.some((x) => x.startsWith('Pulling: ')), second.join('\n'));
});

test('a pod deleted while its agent was down has its containers, namespaces and cgroups removed when the agent returns', async () => {
  const pod = await runPod('orphan', [{ name: 'c' }]);
  const pid = await containerPid(pod, 'c');
  const uid = pod.metadata.uid as string;
  const podCgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'memory')!.split(':')[2]!.split('/').slice(0, -1).join('/');
  await c.agent!.kill();
  // Without an agent to finish it, only a forced delete takes the pod out of the API.
  await kubectl.ok(['delete', 'pod', 'orphan', '--grace-period=0', '--force']);
  process.kill(pid, 0);
  c.agent = await startAgentProcess(c.agentArgs);
  await waitFor('the orphaned container to be gone', async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 30_000, 100);
  await waitFor('its pod state, namespaces and cgroup to be gone', async () =>
    !existsSync(join(c.work, 'agent/pods', uid)) && !existsSync(join(c.work, 'agent/run/ns', uid)) && !existsSync(join('/sys/fs/cgroup/memory', podCgroup)), 30_000, 100);
  assert.match(c.agent.output(), new RegExp(`"msg":"removing orphaned pod","uid":"${uid}"`));
});

test('probes: httpGet readiness and liveness, tcpSocket readiness, liveness held back until the startup probe passes', async () => {
  const httpd = (port: number) => `exec httpd -f -p ${port} -h /var/www`;
  await runPod('probed', [
    {
      name: 'web',
      command: ['sh', '-c', `echo ok > /var/www/index.html; ${httpd(8080)}`],
      startupProbe: { exec: { command: ['sh', '-c', 'echo attempt >> /tmp/attempts; test -e /tmp/started'] }, periodSeconds: 1, failureThreshold: 120 },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
    },
    {
      name: 'tcp',
      command: ['sh', '-c', `while [ ! -e /tmp/listen ]; do sleep 0.1; done; ${httpd(9090)}`],
      readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 },
    },
  ]);
  const status = async (name: string) => (await kubectl.json(['get', 'pod', 'probed'])).status.containerStatuses.find((s: any) => s.name === name);
  // Three failed startup attempts: a liveness probe running meanwhile would have failed (no /healthz) and restarted the container.
  await waitFor('three startup probe attempts', async () => (await exec('probed', 'web', 'cat', '/tmp/attempts')).stdout.split('\n').filter(Boolean).length >= 3, 20_000, 200);
  let web = await status('web');
  assert.equal(web.started, false);
  assert.equal(web.ready, false);
  assert.equal(web.restartCount, 0);

  await exec('probed', 'web', 'sh', '-c', 'echo ok > /var/www/healthz; touch /tmp/started');
  await waitFor('web started', async () => (await status('web')).started === true, 20_000, 200);
  web = await status('web');
  assert.equal(web.ready, false, 'GET /ready is a 404 until the file exists');
  await exec('probed', 'web', 'sh', '-c', 'echo ok > /var/www/ready');
  await waitFor('web ready', async () => (await status('web')).ready === true, 20_000, 200);

  assert.equal((await status('tcp')).ready, false, 'nothing listens on 9090 yet');
  await exec('probed', 'tcp', 'touch', '/tmp/listen');
  await waitFor('tcp ready', async () => (await status('tcp')).ready === true, 20_000, 200);
  await waitFor('pod Ready', async () => (await kubectl.json(['get', 'pod', 'probed'])).status.conditions.find((x: any) => x.type === 'Ready').status === 'True', 20_000, 200);

  await exec('probed', 'web', 'rm', '/var/www/healthz');
  await waitFor('a liveness restart', async () => (await status('web')).restartCount >= 1, 30_000, 200);
  const events = (await kubectl.json<{ items: any[] }>(['get', 'events', '--field-selector', 'involvedObject.name=probed'])).items.map((e) => `${e.reason}: ${e.message}`);
  assert.ok(events.some((e) => /^Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404/.test(e)), events.join('\n'));
  assert.ok(events.includes('Killing: Container web failed liveness probe, will be restarted'), events.join('\n'));
  assert.equal((await status('tcp')).restartCount, 0);
});
