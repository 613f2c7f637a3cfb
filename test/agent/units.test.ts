// Unit tests of the agent's pure parts: image references and manifests, the
// CRI log format, back-off, cgroup paths and limits, CNI configuration, the
// OCI spec and pod phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageReference, formatReference } from '../../src/agent/images/reference.js';
import { parseManifest, selectPlatform, layerCompression, MEDIA_TYPES, ManifestError } from '../../src/agent/images/manifest.js';
import { parseDockerConfig, parseChallenge } from '../../src/agent/images/registry-auth.js';
import { formatRecord, parseRecord, LineSplitter, MAX_RECORD_BYTES, rfc3339Nano, type LogRecord } from '../../src/agent/streaming/cri-log.js';
import { renderRecords } from '../../src/agent/streaming/log-reader.js';
import { BackOff } from '../../src/agent/runtime/backoff.js';
import { ociResources, podCgroupPath, containerCgroupPath, qosClass } from '../../src/agent/runtime/cgroup-paths.js';
import { bridgeConfList, pluginInvocationConf, nthSubnet } from '../../src/agent/network/cni-config.js';
import { buildOciSpec, effectiveCapabilities, ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../../src/agent/runtime/oci-spec.js';
import { podPhase } from '../../src/agent/pods/pod-status.js';
import { containerArgs, expandReferences } from '../../src/agent/pods/container-config.js';
import { exitStatus } from '../../src/agent/streaming/channel-protocol.js';
import { addRegistryMirror, parseReservations } from '../../src/agent/agent-flags.js';
import { capabilitiesInMask } from '../../src/agent/runtime/host-capabilities.js';
import { DEFAULT_RESERVATIONS } from '../../src/agent/node/host-resources.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

test('image references: Docker Hub defaults, registries with ports, tags and digests', () => {
  assert.deepEqual(parseImageReference('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', digest: undefined });
  assert.deepEqual(parseImageReference('127.0.0.1:5000/team/app:v1'), { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1', digest: undefined });
  const withDigest = parseImageReference(`localhost/app@${D('a')}`);
  assert.equal(withDigest.tag, undefined);
  assert.equal(withDigest.digest, D('a'));
  assert.equal(formatReference(parseImageReference('nginx:1.27')), 'docker.io/library/nginx:1.27');
  assert.throws(() => parseImageReference('UPPER/case'), /invalid repository/);
  assert.throws(() => parseImageReference('app@sha256:xyz'), /invalid digest/);
});

test('manifests: image index platform choice, OCI and Docker manifests, layer compression', () => {
  const index = parseManifest(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [
      { mediaType: MEDIA_TYPES.ociManifest, digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: MEDIA_TYPES.ociManifest, digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MEDIA_TYPES.ociManifest, digest: D('3'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
    ],
  }));
  assert.equal(index.kind, 'index');
  assert.equal(selectPlatform(index as never, { os: 'linux', architecture: 'amd64' })?.digest, D('2'));
  assert.equal(selectPlatform(index as never, { os: 'linux', architecture: 's390x' }), undefined);
  const manifest = parseManifest(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest,
    config: { mediaType: MEDIA_TYPES.dockerConfig, digest: D('c'), size: 10 },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('d'), size: 20 }],
  }));
  assert.equal(manifest.kind, 'manifest');
  assert.equal(layerCompression('application/vnd.oci.image.layer.v1.tar+zstd'), 'zstd');
  assert.equal(layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'gzip');
  assert.equal(layerCompression('application/vnd.oci.image.layer.v1.tar'), 'none');
  assert.throws(() => parseManifest('{"schemaVersion":1,"fsLayers":[]}'), ManifestError);
  assert.throws(() => parseManifest(JSON.stringify({ config: { mediaType: 'x', digest: 'md5:1', size: 1 }, layers: [] })), /unsupported digest/);
});

test('registry auth: dockerconfigjson credentials and bearer challenges', () => {
  const creds = parseDockerConfig(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') }, '127.0.0.1:5000': { username: 'a', password: 'b' } } }));
  assert.deepEqual(creds.get('docker.io'), { username: 'u', password: 'p:w' });
  assert.deepEqual(creds.get('127.0.0.1:5000'), { username: 'a', password: 'b' });
  const ch = parseChallenge('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"');
  assert.equal(ch?.scheme, 'bearer');
  assert.equal(ch?.params.realm, 'https://auth.example/token');
  assert.equal(ch?.params.scope, 'repository:a/b:pull');
});

test('CRI log format: records round-trip; long lines split into partial records; rendering joins them', () => {
  const r: LogRecord = { time: '2024-01-02T03:04:05.123456789Z', stream: 'stderr', partial: false, content: 'hello world' };
  assert.equal(formatRecord(r), '2024-01-02T03:04:05.123456789Z stderr F hello world\n');
  assert.deepEqual(parseRecord(formatRecord(r).trimEnd()), r);
  assert.equal(parseRecord('garbage'), undefined);
  assert.match(rfc3339Nano(Date.UTC(2024, 0, 1, 0, 0, 0, 5)), /^2024-01-01T00:00:00\.005000000Z$/);
  const out: LogRecord[] = [];
  const splitter = new LineSplitter('stdout', (x) => out.push(x), () => 0);
  splitter.push(Buffer.from('a\nb'));
  splitter.push(Buffer.from(`c\n${'x'.repeat(MAX_RECORD_BYTES + 5)}\ntail`));
  splitter.flush();
  assert.deepEqual(out.map((x) => [x.content.length > 10 ? x.content.length : x.content, x.partial]), [['a', false], ['bc', false], [MAX_RECORD_BYTES, true], ['xxxxx', false], ['tail', true]]);
  const lines = renderRecords(out, { tailLines: 2 });
  assert.equal(lines.length, 2);
  assert.equal(lines[0], `${'x'.repeat(MAX_RECORD_BYTES + 5)}\n`);
  assert.equal(lines[1], 'tail');
});

test('privileged gets the runtime\'s own capabilities: a bounding set without CAP_SYS_RESOURCE grants everything else', () => {
  const bounded = capabilitiesInMask('1fffeffffff');
  assert.equal(bounded.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!bounded.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(capabilitiesInMask('a80425fb').sort(), [...DEFAULT_CAPABILITIES].sort());
  const sec = { privileged: true, readOnlyRootFilesystem: false, capabilitiesAdd: [], capabilitiesDrop: [], availableCapabilities: bounded };
  assert.deepEqual(effectiveCapabilities(sec), bounded);
  assert.deepEqual(effectiveCapabilities({ ...sec, privileged: false, capabilitiesAdd: ['ALL'] }), bounded);
});

test('agent flags: --system-reserved quantities with defaults for what is left out; --registry-mirror in order', () => {
  assert.deepEqual(parseReservations('cpu=1500m,memory=1Gi'), { cpuMillis: 1500, memoryBytes: 1024 ** 3, ephemeralStorageBytes: DEFAULT_RESERVATIONS.ephemeralStorageBytes });
  assert.deepEqual(parseReservations('cpu=2, ephemeral-storage=500M'), { cpuMillis: 2000, memoryBytes: DEFAULT_RESERVATIONS.memoryBytes, ephemeralStorageBytes: 500_000_000 });
  assert.throws(() => parseReservations('gpu=1'), /"gpu=1": want cpu=<quantity>/);
  assert.throws(() => parseReservations('cpu=lots'), /"cpu=lots": /);
  assert.throws(() => parseReservations('memory=-1Gi'), /must not be negative/);
  let mirrors = addRegistryMirror('docker.io=127.0.0.1:5001');
  mirrors = addRegistryMirror('docker.io=127.0.0.1:5002', mirrors);
  mirrors = addRegistryMirror('quay.io=mirror.local', mirrors);
  assert.deepEqual(mirrors, { 'docker.io': ['127.0.0.1:5001', '127.0.0.1:5002'], 'quay.io': ['mirror.local'] });
  assert.throws(() => addRegistryMirror('docker.io'), /want <registry>=<mirror host/);
});

test('back-off: 10 s doubling to 5 min, reset after a long quiet run', () => {
  let now = 0;
  const b = new BackOff({ initialMs: 10_000, maxMs: 300_000 }, () => now);
  const delays = Array.from({ length: 7 }, () => b.next('k'));
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.equal(b.remainingMs('k'), 300_000);
  now += 100_000;
  assert.equal(b.isBackingOff('k'), true);
  b.resetIfRanFor('k', 600_000);
  assert.equal(b.remainingMs('k'), 0);
  assert.equal(b.next('k'), 10_000);
});

test('cgroups: QoS tiers, paths and limits from resources', () => {
  assert.equal(qosClass([{}]), 'BestEffort');
  assert.equal(qosClass([{ resources: { limits: { cpu: '1', memory: '1Gi' } } }]), 'Guaranteed');
  assert.equal(qosClass([{ resources: { requests: { cpu: '100m' } } }]), 'Burstable');
  const pod = podCgroupPath('k8ts', 'Burstable', 'uid1');
  assert.equal(pod, '/k8ts/burstable/poduid1');
  assert.equal(podCgroupPath('k8ts', 'Guaranteed', 'u'), '/k8ts/podu');
  assert.equal(containerCgroupPath(pod, 'c-0'), '/k8ts/burstable/poduid1/c-0');
  const res = ociResources({ limits: { memory: '64Mi', cpu: '250m' }, requests: { cpu: '100m' } }, 100);
  assert.deepEqual(res, { memory: { limit: 67108864, swap: 67108864 }, cpu: { shares: 102, period: 100000, quota: 25000 }, pids: { limit: 100 } });
  assert.deepEqual(ociResources(undefined), { cpu: { shares: 2 } });
});

test('CNI: bridge conflist over the podCIDR, runtimeConfig for portmap, subnets of the cluster CIDR', () => {
  const list = bridgeConfList({ name: 'k8ts', bridge: 'k8ts0', podCidr: '10.244.3.0/24', ipamDataDir: '/d', ipMasq: false });
  assert.deepEqual(list.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.deepEqual((list.plugins[0]!.ipam as { ranges: unknown }).ranges, [[{ subnet: '10.244.3.0/24' }]]);
  const pm = pluginInvocationConf(list, list.plugins[1]!, { ips: [] }, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.deepEqual(pm.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.deepEqual(pm.prevResult, { ips: [] });
  assert.equal(pm.capabilities, undefined);
  assert.equal(pluginInvocationConf(list, list.plugins[0]!, undefined, {}).runtimeConfig, undefined);
  assert.equal(nthSubnet('10.244.0.0/16', 24, 0), '10.244.0.0/24');
  assert.equal(nthSubnet('10.244.0.0/16', 24, 255), '10.244.255.0/24');
  assert.throws(() => nthSubnet('10.244.0.0/16', 24, 256), /only 256/);
});

test('OCI spec: shared pod namespaces, capabilities, read-only root, privileged', () => {
  assert.deepEqual(effectiveCapabilities({ privileged: false, readOnlyRootFilesystem: false, capabilitiesAdd: ['NET_ADMIN'], capabilitiesDrop: ['KILL'] }).sort(),
    [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_KILL'), 'CAP_NET_ADMIN'].sort());
  assert.deepEqual(effectiveCapabilities({ privileged: false, readOnlyRootFilesystem: false, capabilitiesAdd: [], capabilitiesDrop: ['ALL'] }), []);
  const spec = buildOciSpec({
    process: { args: ['sh'], env: ['A=1'], cwd: '', uid: 1000, gid: 1000 },
    security: { privileged: false, readOnlyRootFilesystem: true, capabilitiesAdd: [], capabilitiesDrop: [] },
    namespaces: { net: '/ns/net', ipc: '/ns/ipc', uts: '/ns/uts' },
    cgroupsPath: '/k8ts/podx/c-0', resources: { pids: { limit: 5 } }, mounts: [],
  }) as { process: { cwd: string; user: { uid: number } }; root: { readonly: boolean }; linux: { namespaces: { type: string; path?: string }[]; maskedPaths?: string[] }; mounts: { destination: string }[] };
  assert.equal(spec.root.readonly, true);
  assert.equal(spec.process.cwd, '/');
  assert.equal(spec.process.user.uid, 1000);
  assert.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc', path: '/ns/ipc' }, { type: 'network', path: '/ns/net' }, { type: 'uts', path: '/ns/uts' }]);
  assert.ok(spec.linux.maskedPaths?.includes('/proc/kcore'));
  assert.ok(!spec.mounts.some((m) => m.destination === '/dev/mqueue'));
  const priv = buildOciSpec({
    process: { args: ['sh'], env: [], cwd: '/', uid: 0, gid: 0 },
    security: { privileged: true, readOnlyRootFilesystem: false, capabilitiesAdd: [], capabilitiesDrop: [] },
    namespaces: { ipc: '/ns/ipc' }, cgroupsPath: '/x', resources: {}, mounts: [],
  }) as { linux: { maskedPaths?: string[]; namespaces: { type: string }[] }; process: { capabilities: { bounding: string[] } } };
  assert.equal(priv.linux.maskedPaths, undefined);
  assert.ok(priv.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(!priv.linux.namespaces.some((n) => n.type === 'network'), 'hostNetwork joins no network namespace');
});

test('container command: command/args against the image entrypoint/cmd, $(VAR) expansion', () => {
  const image = { entrypoint: ['/entry'], cmd: ['default'], env: [], workingDir: '', user: '', diffIds: [] };
  assert.deepEqual(containerArgs({ name: 'c', image: 'i' }, image), ['/entry', 'default']);
  assert.deepEqual(containerArgs({ name: 'c', image: 'i', args: ['x'] }, image), ['/entry', 'x']);
  assert.deepEqual(containerArgs({ name: 'c', image: 'i', command: ['sh'] }, image), ['sh']);
  assert.throws(() => containerArgs({ name: 'c', image: 'i' }, { ...image, entrypoint: [], cmd: [] }), /no command/);
  assert.equal(expandReferences('$(A)-$(B)-$$(A)', new Map([['A', '1']])), '1-$(B)-$(A)');
});

test('pod phase and the exec exit status', () => {
  const spec = { containers: [] };
  const rec = { id: 'x', attempt: 0, startedAtMs: 0 } as never;
  assert.equal(podPhase(spec, false, false, []), 'Pending');
  assert.equal(podPhase(spec, true, true, []), 'Failed');
  const c = { spec: { name: 'a', image: 'i' }, ready: false, started: false };
  assert.equal(podPhase(spec, true, false, [{ ...c, latest: rec }]), 'Running');
  const exited = (code: number) => ({ ...c, latest: rec, exit: { exitCode: code, finishedAtMs: 1, oomKilled: false } });
  assert.equal(podPhase({ containers: [], restartPolicy: 'Never' }, true, false, [exited(0)]), 'Succeeded');
  assert.equal(podPhase({ containers: [], restartPolicy: 'Never' }, true, false, [exited(1)]), 'Failed');
  assert.equal(podPhase({ containers: [], restartPolicy: 'OnFailure' }, true, false, [exited(1)]), 'Running');
  assert.equal(podPhase(spec, true, false, [c]), 'Pending');
  assert.deepEqual(JSON.parse(exitStatus(3)).details.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.equal(JSON.parse(exitStatus(0)).status, 'Success');
});
