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
import { buildBusyboxLayout, freePort, pushLayout, startRegistry, type TestRegistry } from './support/registry.js';
import { portmapBaseChainsExist, removePortmapBaseChains, sweepHost } from './support/host-sweep.js';

const NODE = 'agent-e2e';
// Per-run names, so two runs of this file on one host (two engineers' test suites) never share a bridge or cgroup tree.
const BRIDGE = `k8e${process.pid % 1_000_000}`;
const CGROUP_ROOT = `k8ts-e2e-${process.pid}`;
const CLUSTER_CIDR = '10.251.0.0/16';
let server: RunningServer;
let kubectl: Kubectl;
let registry: TestRegistry;
let work: string;
let image: string;
/** Whether the host had portmap's chains before the hostPort test made them. */
let hadPortmapChains = true;

before(async () => {
  assert.equal(process.getuid?.(), 0, 'agent e2e tests need root');
  hadPortmapChains = await portmapBaseChainsExist();
  work = mkdtempSync(join(tmpdir(), 'k8ts-agent-e2e-'));
  registry = await startRegistry();
  await pushLayout(await buildBusyboxLayout(work), registry.host, 'busybox:1');
  image = `${registry.host}/busybox:1`;
  server = await startServer({
    dataDir: join(work, 'server'), port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory',
    agent: { nodeName: NODE, hostIp: '127.0.0.1', bridgeName: BRIDGE, cgroupRoot: CGROUP_ROOT, clusterCidr: CLUSTER_CIDR,
      crashLoopBackOff: { initialMs: 500, maxMs: 2000 }, imagePullBackOff: { initialMs: 500, maxMs: 2000 }, resyncMs: 500 },
  });
  assert.ok(server.agent, 'the node agent started');
  kubectl = new Kubectl(server.kubeconfigPath);
});

after(async () => {
  if (kubectl) await kubectl.run(['delete', 'pods,deployments', '--all', '--wait=true', '--timeout=60s']).catch(() => undefined);
  // Containers outlive a stopped agent by design, so the node is torn down before the server closes.
  await server?.agent?.teardownNode().catch(() => undefined);
  await server?.close();
  // Whatever a failed test left (processes, mounts, the bridge, cgroups) goes too.
  if (work) await sweepHost({ workDir: work, runcRoots: [join(work, 'server/agent/run/runc')], cgroupRoot: CGROUP_ROOT, bridgeName: BRIDGE, clusterCidr: CLUSTER_CIDR });
  if (!hadPortmapChains) await removePortmapBaseChains();
  kubectl?.cleanup();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
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

test('readiness and liveness probes: NotReady, then a restart for a failed liveness probe, preStop first', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('probed', { containers: [{
    name: 'c', image, command: ['sh', '-c', 'touch /tmp/alive; sleep 3600'],
    readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1 },
    livenessProbe: { exec: { command: ['test', '-e', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
    lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo preStop ran >> /state/hook'] } } },
    volumeMounts: [{ name: 'state', mountPath: '/state' }],
  }], volumes: [{ name: 'state', emptyDir: {} }] }) });
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
  // The kubelet runs preStop before a liveness kill too (once: the new container has not been stopped).
  await waitFor('restarted container running', async () => (await podJson('probed')).status.containerStatuses[0].state.running, 20_000);
  assert.equal(await kubectl.ok(['exec', 'probed', '--', 'cat', '/state/hook']), 'preStop ran\n');
});

test('a hostPort reaches the pod from the host on 127.0.0.1 through portmap; its iptables rules go with the pod', async () => {
  const hostPort = await freePort();
  await kubectl.ok(['apply', '-f', '-'], { input: pod('hostport', { containers: [{ name: 'web', image, command: ['sh', '-c', 'echo via-hostport > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'],
    ports: [{ containerPort: 8080, hostPort }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] }) });
  const p = await waitFor('hostport Ready', async () => {
    const x = await podJson('hostport');
    return x.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? x : undefined;
  }, 60_000);
  const uid = p.metadata.uid;
  // portmap tags its jump rules with the CNI container ID (the pod's UID); the DNAT itself sits in the chain they jump to.
  const nat = async () => (await run('iptables-save', ['-t', 'nat'])).stdout.split('\n');
  const ownRules = (lines: string[], chains: string[]) => lines.filter((l) => l.includes(uid) || chains.some((c) => l.includes(c)));
  const before = await nat();
  const chains = [...new Set(before.filter((l) => l.includes(uid)).flatMap((l) => /-j (CNI-DN-\w+)/.exec(l)?.[1] ?? []))];
  assert.equal(chains.length, 1, `one DNAT chain for the pod:\n${before.join('\n')}`);
  const dnat = before.filter((l) => l.startsWith(`-A ${chains[0]} `) && l.includes(`--dport ${hostPort} `) && l.includes(`--to-destination ${p.status.podIP}:8080`));
  assert.equal(dnat.length, 1, `the hostPort's DNAT to the pod:\n${ownRules(before, chains).join('\n')}`);
  const res = await fetch(`http://127.0.0.1:${hostPort}/index.html`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'via-hostport\n');

  await kubectl.ok(['delete', 'pod', 'hostport', '--wait=true', '--timeout=30s']);
  const after = await nat();
  assert.deepEqual(ownRules(after, chains), [], 'no rule or chain of the pod is left');
  assert.deepEqual(after.filter((l) => l.includes(`--dport ${hostPort} `) || l.includes(`--dports ${hostPort} `)), [], 'no rule for the hostPort is left');
  await assert.rejects(fetch(`http://127.0.0.1:${hostPort}/index.html`), 'nothing answers on the hostPort');
});

test('graceful deletion: preStop runs before SIGTERM, SIGTERM is delivered, a container ignoring it is SIGKILLed after the grace period', async () => {
  const dir = join(work, 'termination');
  const volume = { name: 'd', hostPath: { path: dir, type: 'DirectoryOrCreate' } };
  const loop = (file: string, onTerm: string) => ['sh', '-c', `trap '${onTerm}' TERM; echo started >> /d/${file}; while true; do sleep 0.1; done`];
  const specs: Record<string, Record<string, unknown>> = {
    // Exits on SIGTERM: deletion is over long before its 30s grace period.
    polite: { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image, command: loop('polite', 'echo TERM >> /d/polite; exit 0'),
      lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo preStop >> /d/polite'] } } }, volumeMounts: [{ name: 'd', mountPath: '/d' }] }], volumes: [volume] },
    // Ignores SIGTERM: killed once its 3s are up.
    stubborn: { terminationGracePeriodSeconds: 3, containers: [{ name: 'c', image, command: loop('stubborn', 'echo TERM ignored >> /d/stubborn'),
      volumeMounts: [{ name: 'd', mountPath: '/d' }] }], volumes: [volume] },
    // A preStop hook that would run for a minute is cut short by the 3s grace period.
    hanging: { terminationGracePeriodSeconds: 3, containers: [{ name: 'c', image, command: loop('hanging', 'sleep 0.5; echo TERM >> /d/hanging; exit 0'),
      lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo preStop >> /d/hanging; sleep 60'] } } }, volumeMounts: [{ name: 'd', mountPath: '/d' }] }], volumes: [volume] },
  };
  for (const [name, spec] of Object.entries(specs)) await kubectl.ok(['apply', '-f', '-'], { input: pod(name, spec) });
  const file = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');
  for (const name of Object.keys(specs)) {
    await waitFor(`${name} running`, async () => (await podJson(name)).status?.phase === 'Running', 60_000);
    await waitFor(`${name} started`, () => file(name) === 'started\n', 10_000);
  }
  const deleted = async (name: string) => {
    const t0 = Date.now();
    await kubectl.ok(['delete', 'pod', name, '--wait=true', '--timeout=60s']);
    return Date.now() - t0;
  };
  const [polite, stubborn, hanging] = await Promise.all(['polite', 'stubborn', 'hanging'].map(deleted));
  assert.equal(file('polite'), 'started\npreStop\nTERM\n', 'preStop, then SIGTERM');
  assert.ok(polite! < 15_000, `a container that exits on SIGTERM is not held for its grace period (${polite}ms)`);
  assert.equal(file('stubborn'), 'started\nTERM ignored\n', 'SIGTERM was delivered');
  assert.ok(stubborn! >= 3000, `SIGKILL only after the grace period (${stubborn}ms)`);
  assert.ok(stubborn! < 15_000, `SIGKILL once the grace period is over (${stubborn}ms)`);
  // The hook used up the grace period; SIGTERM still gets the kubelet's minimum 2s, enough for the container's 0.5s clean-up.
  assert.equal(file('hanging'), 'started\npreStop\nTERM\n');
  assert.ok(hanging! >= 3000 && hanging! < 15_000, `the hook is bounded by the grace period (${hanging}ms)`);
  const events = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=polite', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  assert.match(events, /Killing: Stopping container c/);
});

test('deleting a pod removes its processes, netns, veth, IP, cgroups and mounts', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('gone', { containers: [
    { name: 'c', image, command: ['sleep', '3600'], volumeMounts: [{ name: 'm', mountPath: '/m' }] },
    { name: 'side', image, command: ['sh', '-c', 'sleep 3600 & sleep 3600'] },
  ], volumes: [{ name: 'm', emptyDir: { medium: 'Memory' } }] }) });
  const p = await waitFor('running', async () => {
    const x = await podJson('gone');
    return x.status?.phase === 'Running' ? x : undefined;
  }, 30_000);
  const uid = p.metadata.uid;
  const agentDir = join(work, 'server/agent');
  const netns = join(agentDir, 'run/ns', uid, 'net');
  assert.ok(existsSync(netns));
  // The host end of the pod's veth: eth0@if<index> inside the pod's netns.
  const link = await run('nsenter', [`--net=${netns}`, 'ip', '-o', 'link', 'show', 'eth0']);
  const peerIndex = /eth0@if(\d+)/.exec(link.stdout)?.[1];
  assert.ok(peerIndex, `veth peer of eth0: ${link.stdout}${link.stderr}`);
  const hostLinkOf = (index: string) => readdirSync('/sys/class/net').find((n) => {
    try {
      return readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8').trim() === index;
    } catch {
      return false;
    }
  });
  const veth = hostLinkOf(peerIndex);
  assert.match(veth ?? '', /^veth/, 'the host end is a veth');
  // host-local IPAM records the pod's address as a file named after it.
  const ipamFile = join(agentDir, 'network/ipam/k8ts', p.status.podIP);
  assert.ok(existsSync(ipamFile), 'IP allocated');
  // Every process of the pod, from the cgroup tree of each of its containers.
  const podCgroups = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, CGROUP_ROOT, 'besteffort', `pod${uid}`)).filter((d) => existsSync(d));
  assert.ok(podCgroups.length >= 3, `pod cgroups in several hierarchies: ${podCgroups.join(' ')}`);
  const procsUnder = (dir: string): string[] => [
    ...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean),
    ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => procsUnder(join(dir, e.name))),
  ];
  const pids = procsUnder(podCgroups.find((d) => d.includes('/pids/'))!);
  assert.ok(pids.length >= 3, `the pod's processes (two containers, one with a child): ${pids.join(' ')}`);
  const mounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(uid));
  assert.ok(mounts().some((l) => / - tmpfs /.test(l) && l.includes('/volumes/m ')), 'the memory emptyDir is a tmpfs mount');
  assert.ok(mounts().some((l) => / - overlay /.test(l)), 'container rootfs overlay mounts');

  await kubectl.ok(['delete', 'pod', 'gone', '--wait=true', '--timeout=30s']);
  await assert.rejects(kubectl.json(['get', 'pod', 'gone']));
  assert.equal(existsSync(join(agentDir, 'run/ns', uid)), false, 'namespace files');
  assert.equal(existsSync(join(agentDir, 'pods', uid)), false, 'pod state dir');
  assert.deepEqual(mounts(), [], 'mounts');
  assert.deepEqual(podCgroups.filter((d) => existsSync(d)), [], 'cgroups');
  assert.equal(hostLinkOf(peerIndex), undefined, 'veth');
  assert.equal(existsSync(join('/sys/class/net', veth!)), false, 'veth by name');
  assert.equal(existsSync(ipamFile), false, 'IP released');
  const left = pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(uid);
    } catch {
      return false;
    }
  });
  assert.deepEqual(left, [], 'processes');
});
