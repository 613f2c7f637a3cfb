// End to end, the agent's features beyond the basics, driven by the real
// kubectl against an in-process server with its agent: `logs -f` streaming,
// `exec -it` and `run -it` (a tty container) through a real pty (with the
// terminal's size), configMap/secret/downwardAPI volumes and env references,
// init containers, and a private image behind htpasswd pulled with an
// imagePullSecret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/k8ts-server.js';
import { Kubectl, KUBECTL, run, waitFor } from '../e2e/harness.js';
import { buildBusyboxLayout, pushLayout, startRegistry, type TestRegistry } from './support/registry.js';
import { sweepHost } from './support/host-sweep.js';

const NODE = 'agent-features';
const BRIDGE = `k8f${process.pid % 1_000_000}`;
const CGROUP_ROOT = `k8ts-features-${process.pid}`;
let server: RunningServer;
let kubectl: Kubectl;
let registry: TestRegistry;
let privateRegistry: TestRegistry;
let work: string;
let image: string;

before(async () => {
  assert.equal(process.getuid?.(), 0, 'agent e2e tests need root');
  work = mkdtempSync(join(tmpdir(), 'k8ts-agent-features-'));
  // bcrypt for the registry's htpasswd, from Python's crypt (no htpasswd tool needed).
  const hash = (await run('python3', ['-c', 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))'])).stdout.trim();
  assert.match(hash, /^\$2[aby]\$/, 'bcrypt hash');
  [registry, privateRegistry] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { user: 'puller', bcryptHash: hash } })]);
  const layout = await buildBusyboxLayout(work);
  await Promise.all([pushLayout(layout, registry.host, 'busybox:1'), pushLayout(layout, privateRegistry.host, 'private/busybox:1', { creds: 'puller:s3cret' })]);
  image = `${registry.host}/busybox:1`;
  server = await startServer({
    dataDir: join(work, 'server'), port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory',
    agent: { nodeName: NODE, hostIp: '127.0.0.1', bridgeName: BRIDGE, cgroupRoot: CGROUP_ROOT, clusterCidr: '10.254.0.0/16',
      imagePullBackOff: { initialMs: 500, maxMs: 2000 }, resyncMs: 500 },
  });
  assert.ok(server.agent, 'the node agent started');
  kubectl = new Kubectl(server.kubeconfigPath);
});

after(async () => {
  if (kubectl) await kubectl.run(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
  await server?.agent?.teardownNode().catch(() => undefined);
  await server?.close();
  if (work) await sweepHost({ workDir: work, runcRoots: [join(work, 'server/agent/run/runc')], cgroupRoot: CGROUP_ROOT, bridgeName: BRIDGE, clusterCidr: '10.254.0.0/16' });
  kubectl?.cleanup();
  await registry?.stop();
  await privateRegistry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function pod(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec } });
}

async function podJson(name: string): Promise<any> {
  return kubectl.json(['get', 'pod', name]);
}

async function running(name: string): Promise<any> {
  return waitFor(`${name} Running`, async () => {
    const p = await podJson(name);
    return p.status?.phase === 'Running' ? p : undefined;
  }, 60_000);
}

test('kubectl logs -f streams each line as the container prints it', async () => {
  // The container prints "got N" once /tmp/goN exists: the test decides when lines appear.
  await kubectl.ok(['apply', '-f', '-'], { input: pod('talker', { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo first; i=1; while true; do if [ -e /tmp/go$i ]; then echo got $i; i=$((i+1)); fi; sleep 0.05; done'] }] }) });
  await running('talker');
  const follower = spawn(KUBECTL, ['--kubeconfig', server.kubeconfigPath, '--cache-dir', kubectl.cacheDir, 'logs', '-f', 'talker'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const expectOut = (what: string, want: string) => waitFor(what, () => out === want, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}; kubectl logs -f printed ${JSON.stringify(out)}, exit ${follower.exitCode}`);
  });
  try {
    await expectOut('first line', 'first\n');
    await kubectl.ok(['exec', 'talker', '--', 'touch', '/tmp/go1']);
    await expectOut('streamed line one', 'first\ngot 1\n');
    await kubectl.ok(['exec', 'talker', '--', 'touch', '/tmp/go2']);
    await expectOut('streamed line two', 'first\ngot 1\ngot 2\n');
    assert.equal(follower.exitCode, null, 'logs -f is still following');
  } finally {
    follower.kill('SIGKILL');
  }
});

/** A running `kubectl <args>` whose output the test watches. */
function spawnKubectl(args: string[]) {
  const child = spawn(KUBECTL, ['--kubeconfig', server.kubeconfigPath, '--cache-dir', kubectl.cacheDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const s = { child, out: '', err: '' };
  child.stdout.on('data', (d: Buffer) => (s.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (s.err += d.toString()));
  child.stdin.on('error', () => undefined);
  const expect = (what: string, check: () => boolean) => waitFor(what, check, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}; kubectl ${args.join(' ')} printed ${JSON.stringify(s.out)} / ${JSON.stringify(s.err)}, exit ${child.exitCode}`);
  });
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, expect, exited, get out() { return s.out; }, get err() { return s.err; } };
}

test('kubectl attach: output as it is printed, stdin to a container with stdin: true, kept open between sessions', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('echoer', { containers: [{ name: 'c', image, stdin: true,
    command: ['sh', '-c', 'echo started; while read line; do echo "echo:$line"; done; echo "stdin closed"; sleep 3600'] }] }) });
  await running('echoer');
  // Output only: what the container prints from now on, stdout and stderr apart.
  const watcher = spawnKubectl(['attach', 'echoer']);
  try {
    // Written by the container's own process 1 (the exec writes into its stdout and stderr).
    await waitFor('attach streams stdout', async () => {
      await kubectl.ok(['exec', 'echoer', '--', 'sh', '-c', 'echo to-stdout > /proc/1/fd/1; echo to-stderr > /proc/1/fd/2']);
      return watcher.out.includes('to-stdout\n') && watcher.err.includes('to-stderr\n');
    }, 15_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}; attach printed ${JSON.stringify(watcher.out)} / ${JSON.stringify(watcher.err)}`);
    });
    assert.ok(!watcher.out.includes('to-stderr'), `stderr stays on stderr: ${watcher.out}`);
    assert.ok(!watcher.out.includes('started'), `attach shows new output, not the log: ${watcher.out}`);
    assert.equal(watcher.child.exitCode, null, 'attach is still streaming');

    // First session with stdin: each line reaches the container and its answer streams back.
    const first = spawnKubectl(['attach', '-i', 'echoer']);
    try {
      first.child.stdin.write('hello\n');
      await first.expect('answer to the first line', () => first.out.includes('echo:hello\n'));
      first.child.stdin.write('world\n');
      await first.expect('answer to the second line', () => first.out.includes('echo:world\n'));
      // kubectl's stdin ends: for a container without stdinOnce, the container's stdin stays open.
      first.child.stdin.end();
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    // A second session still talks to the same reader: stdin did not end with the first session.
    const second = spawnKubectl(['attach', '-i', 'echoer']);
    try {
      second.child.stdin.write('again\n');
      await second.expect('answer in the second session', () => second.out.includes('echo:again\n'));
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
    assert.ok(watcher.out.includes('echo:hello\necho:world\necho:again\n'), `the output-only session saw every answer: ${watcher.out}`);
    assert.ok(!watcher.out.includes('stdin closed'), watcher.out);
    assert.equal((await podJson('echoer')).status.containerStatuses[0].restartCount, 0);
  } finally {
    watcher.child.kill('SIGKILL');
  }
});

test('kubectl attach -i to a stdinOnce container: stdin ends with the session and the session ends with the container', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('once', { restartPolicy: 'Never', containers: [{ name: 'c', image, stdin: true, stdinOnce: true,
    command: ['sh', '-c', 'while read line; do echo "got:$line"; done; echo "stdin closed"; exit 3'] }] }) });
  await running('once');
  const r = await kubectl.run(['attach', '-i', 'once'], { input: 'a\nb\n', timeoutMs: 30_000 });
  assert.equal(r.stdout, 'got:a\ngot:b\nstdin closed\n', `attach output (stderr ${r.stderr})`);
  // As with the kubelet, the session itself succeeded; the container's exit code is the pod's business.
  assert.equal(r.code, 0, r.stderr);
  const t = await waitFor('terminated', async () => (await podJson('once')).status?.containerStatuses?.[0]?.state?.terminated, 20_000);
  assert.equal(t.exitCode, 3);
});

// Runs a command on a pty of the given size (python3's pty module), feeding
// each input once the output so far contains its trigger; prints the output.
const PTY_DRIVER = `
import os, pty, sys, json, struct, fcntl, termios, select, time
rows, cols, steps, argv = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
out = b''
deadline = time.time() + 30
while time.time() < deadline:
    while steps and steps[0][0].encode() in out:
        os.write(fd, steps.pop(0)[1].encode())
    r, _, _ = select.select([fd], [], [], 0.2)
    if fd in r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

test('kubectl exec -it runs an interactive shell on a pty with the terminal\'s size', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('shell', { containers: [{ name: 'c', image, command: ['sleep', '3600'] }] }) });
  await running('shell');
  const argv = [KUBECTL, '--kubeconfig', server.kubeconfigPath, '--cache-dir', kubectl.cacheDir, 'exec', '-it', 'shell', '--', 'sh'];
  const steps = [['# ', 'stty size; tty; echo sum=$((6*7))\r'], ['sum=42', 'exit 7\r']];
  const r = await run('python3', ['-c', PTY_DRIVER, JSON.stringify([33, 101, steps, argv])], { timeoutMs: 45_000 });
  assert.match(r.stdout, /33 101/, `the container's terminal has kubectl's size:\n${r.stdout}`);
  assert.match(r.stdout, /\/dev\/pts\/\d+/, 'stdin is a terminal inside');
  assert.match(r.stdout, /sum=42/);
  assert.equal(r.code, 7, `exit status passes through:\n${r.stdout}${r.stderr}`);
});

test('kubectl run -it: a container with a terminal, attached through a pty with the terminal\'s size; the exit code comes back', async () => {
  const overrides = JSON.stringify({ spec: { nodeName: NODE, terminationGracePeriodSeconds: 1 } });
  const argv = [KUBECTL, '--kubeconfig', server.kubeconfigPath, '--cache-dir', kubectl.cacheDir, 'run', 'ttyshell', `--image=${image}`, '--restart=Never', '-it',
    `--overrides=${overrides}`, '--', 'sh'];
  // kubectl attaches after the shell printed its first prompt, and says to press enter for a new one.
  const steps = [['pressing enter', '\r'], ['# ', 'stty size; tty; echo $TERM sum=$((6*7))\r'], ['sum=42', 'exit 5\r']];
  const r = await run('python3', ['-c', PTY_DRIVER, JSON.stringify([31, 97, steps, argv])], { timeoutMs: 45_000 });
  assert.match(r.stdout, /31 97/, `the container's terminal has kubectl's size:\n${r.stdout}`);
  assert.match(r.stdout, /\/dev\/pts\/\d+/, 'stdin is a terminal inside');
  assert.match(r.stdout, /xterm sum=42/);
  assert.equal(r.code, 5, `the container's exit code:\n${r.stdout}${r.stderr}`);
  const c = (await podJson('ttyshell')).spec.containers[0];
  assert.equal(c.tty, true);
  // Everything the terminal showed is the container's stdout, in its log.
  assert.match(await kubectl.ok(['logs', 'ttyshell']), /sum=42/);
});

test('configMap, secret and downwardAPI volumes, env from refs and envFrom, init containers', async () => {
  await kubectl.ok(['create', 'configmap', 'settings', '--from-literal=greeting=hello', '--from-literal=mode=fast']);
  await kubectl.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=pa55']);
  await kubectl.ok(['apply', '-f', '-'], { input: pod('configured', {
    initContainers: [{ name: 'init', image, command: ['sh', '-c', 'echo prepared by init > /work/state'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
    containers: [{
      name: 'c', image, command: ['sleep', '3600'],
      env: [
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
      envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true },
        { name: 'meta', mountPath: '/etc/meta' }, { name: 'work', mountPath: '/work' },
      ],
    }],
    volumes: [
      { name: 'cfg', configMap: { name: 'settings' } },
      { name: 'sec', secret: { secretName: 'creds', items: [{ key: 'password', path: 'db/pw', mode: 0o400 }] } },
      { name: 'meta', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      { name: 'work', emptyDir: {} },
    ],
  }, { tier: 'gold' }) });
  const p = await running('configured');
  assert.equal(p.status.initContainerStatuses[0].state.terminated.reason, 'Completed');
  const env = await kubectl.ok(['exec', 'configured', '--', 'env']);
  for (const line of ['GREETING=hello', 'PASSWORD=pa55', 'MY_POD=configured', `MY_IP=${p.status.podIP}`, 'CFG_greeting=hello', 'CFG_mode=fast']) {
    assert.ok(env.split('\n').includes(line), `${line} in\n${env}`);
  }
  assert.equal(await kubectl.ok(['exec', 'configured', '--', 'cat', '/etc/cfg/greeting']), 'hello');
  assert.equal(await kubectl.ok(['exec', 'configured', '--', 'cat', '/etc/sec/db/pw']), 'pa55');
  assert.equal((await kubectl.ok(['exec', 'configured', '--', 'stat', '-L', '-c', '%a', '/etc/sec/db/pw'])).trim(), '400');
  assert.equal(await kubectl.ok(['exec', 'configured', '--', 'cat', '/etc/meta/labels']), 'tier="gold"');
  assert.equal(await kubectl.ok(['exec', 'configured', '--', 'cat', '/work/state']), 'prepared by init\n');
  // A configMap change reaches the mounted files (env stays as it was at start, as in Kubernetes).
  await kubectl.ok(['patch', 'configmap', 'settings', '--type=merge', '-p', '{"data":{"greeting":"bonjour"}}']);
  await waitFor('updated configMap file', async () => (await kubectl.ok(['exec', 'configured', '--', 'cat', '/etc/cfg/greeting'])) === 'bonjour', 20_000);

  // A missing key is the pod's problem, reported as CreateContainerConfigError.
  await kubectl.ok(['apply', '-f', '-'], { input: pod('misconfigured', { containers: [{ name: 'c', image, command: ['sleep', '3600'],
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent' } } }] }] }) });
  const waiting = await waitFor('CreateContainerConfigError', async () => {
    const w = (await podJson('misconfigured')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  }, 30_000);
  assert.match(waiting.message, /absent/);
});

test('hostPath, projected (configMap + secret + downwardAPI), memory emptyDir, and a secret volume updated in place', async () => {
  const hostDir = join(work, 'host-dir');
  const hostFile = join(work, 'host-file');
  await kubectl.ok(['create', 'configmap', 'proj-cm', '--from-literal=colour=blue']);
  await kubectl.ok(['create', 'secret', 'generic', 'proj-sec', '--from-literal=key=k3y']);
  await kubectl.ok(['create', 'secret', 'generic', 'rotating', '--from-literal=user=alice', '--from-literal=token=t1']);
  await kubectl.ok(['apply', '-f', '-'], { input: pod('volumes', {
    containers: [{ name: 'c', image, command: ['sh', '-c', 'echo written by the pod > /host/from-pod; echo appended >> /host-file; sleep 3600'], volumeMounts: [
      { name: 'host', mountPath: '/host' }, { name: 'file', mountPath: '/host-file' }, { name: 'proj', mountPath: '/proj' },
      { name: 'mem', mountPath: '/mem' }, { name: 'rotating', mountPath: '/rotating' },
    ] }],
    volumes: [
      { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
      { name: 'file', hostPath: { path: hostFile, type: 'FileOrCreate' } },
      { name: 'proj', projected: { defaultMode: 0o440, sources: [
        { configMap: { name: 'proj-cm', items: [{ key: 'colour', path: 'cm/colour' }] } },
        { secret: { name: 'proj-sec', items: [{ key: 'key', path: 'sec/key', mode: 0o400 }] } },
        { downwardAPI: { items: [{ path: 'meta/name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'meta/labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ] } },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
      { name: 'rotating', secret: { secretName: 'rotating' } },
    ],
  }, { app: 'vol' }) });
  await running('volumes');
  const sh = (cmd: string) => kubectl.ok(['exec', 'volumes', '--', 'sh', '-c', cmd]);

  // hostPath: the directory was created on the host and both sides see each other's files.
  await waitFor('the pod wrote through hostPath', () => existsSync(join(hostDir, 'from-pod')), 10_000);
  assert.equal(readFileSync(join(hostDir, 'from-pod'), 'utf8'), 'written by the pod\n');
  writeFileSync(join(hostDir, 'from-host'), 'host data');
  assert.equal(await sh('cat /host/from-host'), 'host data');
  assert.ok(statSync(hostFile).isFile(), 'FileOrCreate made a file');
  assert.equal(readFileSync(hostFile, 'utf8'), 'appended\n');

  // projected: three sources in one directory, with their modes.
  assert.equal(await sh('cat /proj/cm/colour'), 'blue');
  assert.equal(await sh('cat /proj/sec/key'), 'k3y');
  assert.equal(await sh('cat /proj/meta/name'), 'volumes');
  assert.equal(await sh('cat /proj/meta/labels'), 'app="vol"');
  assert.equal(await sh('stat -L -c %a /proj/cm/colour /proj/sec/key /proj/meta/name'), '440\n400\n440\n');

  // medium: Memory is a tmpfs inside the container, sized by sizeLimit.
  const mounts = await sh('cat /proc/mounts');
  const mem = mounts.split('\n').find((l) => l.split(' ')[1] === '/mem');
  assert.match(mem ?? '', /^tmpfs \/mem tmpfs rw,.*size=8192k/, `/mem in\n${mounts}`);

  // A Secret's change reaches its volume in place: changed, removed and added keys.
  assert.equal(await sh('cat /rotating/user /rotating/token'), 'alicet1');
  const inode = await sh('stat -c %i /rotating');
  await kubectl.ok(['replace', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rotating' },
    data: { token: Buffer.from('t2').toString('base64'), role: Buffer.from('admin').toString('base64') } }) });
  let seen = '';
  await waitFor('updated secret files', async () => (seen = await sh('cat /rotating/token; ls /rotating')) === 't2role\ntoken\n', 20_000, 250)
    .catch((err: Error) => assert.fail(`${err.message}; the volume shows ${JSON.stringify(seen)}`));
  assert.equal(await sh('cat /rotating/role'), 'admin');
  assert.equal(await sh('stat -c %i /rotating'), inode, 'the same mounted directory');
  assert.equal((await podJson('volumes')).status.containerStatuses[0].restartCount, 0);
});

test('a hostPath whose type check fails keeps the pod in ContainerCreating with a FailedMount event', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('no-host-dir', { containers: [{ name: 'c', image, command: ['sleep', '3600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
    volumes: [{ name: 'h', hostPath: { path: join(work, 'absent-dir'), type: 'Directory' } }] }) });
  const events = await waitFor('FailedMount', async () => {
    const e = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=no-host-dir,reason=FailedMount', '-o', 'jsonpath={.items[*].message}']);
    return e || undefined;
  }, 20_000, 250);
  assert.ok(events.includes(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(work, 'absent-dir')} is not a directory`), events);
  const p = await podJson('no-host-dir');
  assert.equal(p.status.phase, 'Pending');
  assert.equal(p.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  assert.equal(existsSync(join(work, 'absent-dir')), false, 'Directory does not create');
});

test('persistentVolumeClaims bind to local PersistentVolumes and mount in pods; a claim waits for a volume that fits', async () => {
  const pv = (name: string, storage: string, source: Record<string, unknown>, storageClassName = 'local') => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName, ...source,
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }] } } } });
  const pvc = (name: string, storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', resources: { requests: { storage } } } });
  const local = (dir: string) => {
    mkdirSync(join(work, dir));
    return { local: { path: join(work, dir) } };
  };
  const volumes = [pv('pv-small', '1Gi', local('pv-small')), pv('pv-fits', '2Gi', local('pv-fits')), pv('pv-big', '8Gi', local('pv-big')), pv('pv-other-class', '2Gi', local('pv-other'), 'other')];
  writeFileSync(join(work, 'pv-fits', 'seed'), 'from the host');
  await kubectl.ok(['apply', '-f', '-'], { input: volumes.map((o) => JSON.stringify(o)).join('\n') });
  for (const v of volumes) await waitFor(`${v.metadata.name} Available`, async () => (await kubectl.json(['get', 'pv', v.metadata.name])).status?.phase === 'Available', 20_000, 200);
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify(pvc('data', '1500Mi')) });
  // The smallest volume of the claim's class that is big enough.
  const claim = await waitFor('claim Bound', async () => {
    const c = await kubectl.json(['get', 'pvc', 'data']);
    return c.status?.phase === 'Bound' ? c : undefined;
  }, 20_000, 200);
  assert.equal(claim.spec.volumeName, 'pv-fits');
  assert.deepEqual(claim.status.capacity, { storage: '2Gi' });
  assert.deepEqual(claim.status.accessModes, ['ReadWriteOnce']);
  const bound = await waitFor('volume Bound', async () => {
    const v = await kubectl.json(['get', 'pv', 'pv-fits']);
    return v.status?.phase === 'Bound' ? v : undefined;
  }, 20_000, 200);
  assert.equal(bound.spec.claimRef.name, 'data');
  assert.equal(bound.spec.claimRef.uid, claim.metadata.uid);
  for (const other of ['pv-small', 'pv-big', 'pv-other-class']) assert.equal((await kubectl.json(['get', 'pv', other])).status.phase, 'Available', other);

  // The same claim twice: as is, and with the pod-level readOnly that overrides the volumeMount's.
  await kubectl.ok(['apply', '-f', '-'], { input: pod('claimant', { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo written by the pod > /data/from-pod; sleep 3600'],
    volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'data-ro', mountPath: '/data-ro', readOnly: false }] }],
  volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'data-ro', persistentVolumeClaim: { claimName: 'data', readOnly: true } }] }) });
  await running('claimant');
  assert.equal(await kubectl.ok(['exec', 'claimant', '--', 'cat', '/data/seed']), 'from the host');
  assert.equal(await kubectl.ok(['exec', 'claimant', '--', 'cat', '/data-ro/seed']), 'from the host');
  const ro = await kubectl.run(['exec', 'claimant', '--', 'touch', '/data-ro/nope']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);
  await waitFor('the pod wrote to the volume', () => existsSync(join(work, 'pv-fits', 'from-pod')), 10_000);
  assert.equal(readFileSync(join(work, 'pv-fits', 'from-pod'), 'utf8'), 'written by the pod\n');

  // A claim nothing fits stays Pending, and so does its pod, until a volume that fits appears.
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify(pvc('later', '20Gi')) });
  await kubectl.ok(['apply', '-f', '-'], { input: pod('waits-for-claim', { containers: [{ name: 'c', image, command: ['sh', '-c', 'touch /data/arrived; sleep 3600'],
    volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'later' } }] }) });
  const failed = await waitFor('FailedMount for the unbound claim', async () => {
    const e = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=waits-for-claim,reason=FailedMount', '-o', 'jsonpath={.items[*].message}']);
    return e || undefined;
  }, 20_000, 250);
  assert.match(failed, /PVC default\/later has non-bound phase \("Pending"\)/);
  assert.equal((await kubectl.json(['get', 'pvc', 'later'])).status.phase, 'Pending');
  assert.equal((await podJson('waits-for-claim')).status.phase, 'Pending');
  await kubectl.ok(['apply', '-f', '-'], { input: JSON.stringify(pv('pv-huge', '20Gi', { hostPath: { path: join(work, 'pv-huge'), type: 'DirectoryOrCreate' } })) });
  await running('waits-for-claim');
  assert.equal((await kubectl.json(['get', 'pvc', 'later'])).spec.volumeName, 'pv-huge');
  assert.ok(existsSync(join(work, 'pv-huge', 'arrived')));

  // Deleting the claim (after its pod) releases the volume; Retain keeps the data.
  await kubectl.ok(['delete', 'pod', 'claimant', '--wait=true', '--timeout=30s']);
  await kubectl.ok(['delete', 'pvc', 'data', '--wait=true', '--timeout=30s']);
  await waitFor('volume Released', async () => (await kubectl.json(['get', 'pv', 'pv-fits'])).status?.phase === 'Released', 20_000, 200);
  assert.ok(existsSync(join(work, 'pv-fits', 'from-pod')));
});

test('a private image fails to pull without credentials and pulls with an imagePullSecret', async () => {
  const privateImage = `${privateRegistry.host}/private/busybox:1`;
  await kubectl.ok(['apply', '-f', '-'], { input: pod('no-creds', { containers: [{ name: 'c', image: privateImage, command: ['sleep', '3600'] }] }) });
  const waiting = await waitFor('ImagePullBackOff', async () => {
    const w = (await podJson('no-creds')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'ImagePullBackOff' || w?.reason === 'ErrImagePull' ? w : undefined;
  }, 30_000);
  assert.match(waiting.message, /requires credentials|unauthorized|401/i);
  await kubectl.ok(['create', 'secret', 'docker-registry', 'pull', `--docker-server=${privateRegistry.host}`, '--docker-username=puller', '--docker-password=s3cret']);
  await kubectl.ok(['apply', '-f', '-'], { input: pod('with-creds', { imagePullSecrets: [{ name: 'pull' }], containers: [{ name: 'c', image: privateImage, command: ['sleep', '3600'] }] }) });
  const p = await running('with-creds');
  assert.equal(p.status.containerStatuses[0].image, privateImage);
  assert.equal((await kubectl.ok(['exec', 'with-creds', '--', 'echo', 'pulled'])).trim(), 'pulled');
});

test('per-pod CPU and memory from cgroups: a busy loop shows as about a core', async () => {
  await kubectl.ok(['apply', '-f', '-'], { input: pod('burner', { containers: [{ name: 'spin', image, command: ['sh', '-c', 'while :; do :; done'] }] }) });
  await running('burner');
  const metrics = server.agent!.metrics;
  // Sample a few windows: the busy loop's rate must show, whatever the window length.
  const usage = await waitFor('CPU usage of the busy pod', () => {
    metrics.sample();
    const p = metrics.pod('default', 'burner');
    return p && p.windowMs >= 100 && p.cpuUsageNanoCores > 0.5e9 ? p : undefined;
  }, 20_000, 200);
  assert.equal(usage.containers.length, 1);
  assert.equal(usage.containers[0]!.name, 'spin');
  assert.ok(usage.containers[0]!.cpuUsageNanoCores > 0.5e9, `container rate ${usage.containers[0]!.cpuUsageNanoCores}`);
  assert.ok(usage.cpuUsageNanoCores < 1.5e9, `one busy loop is at most about one core: ${usage.cpuUsageNanoCores}`);
  assert.ok(usage.memoryWorkingSetBytes > 0 && usage.memoryWorkingSetBytes < 64 * 1024 * 1024, `working set ${usage.memoryWorkingSetBytes}`);
  // An idle pod next to it stays near zero.
  const idle = metrics.pod('default', 'shell');
  assert.ok(idle && idle.cpuUsageNanoCores < 0.1e9, `idle pod ${idle?.cpuUsageNanoCores}`);
  await kubectl.ok(['delete', 'pod', 'burner', '--wait=true', '--timeout=30s']);
  metrics.sample();
  assert.equal(metrics.pod('default', 'burner'), undefined);
});
