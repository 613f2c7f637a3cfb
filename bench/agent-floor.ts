// The floor under bench:agent's startup figure: the parts a pod start must
// run, with nothing of k8ts around them. Per pod, as the agent does it:
// unshare(1) pins new net/IPC/UTS namespaces and brings up loopback with
// ip(8), the CNI bridge plugin (which runs host-local) attaches the netns,
// and `runc run -d` starts the container from the same OCI spec the agent
// writes. The pods go through xargs, as many at a time as there are CPUs,
// and the clock stops when the last runc has returned (its container
// running). No API, no agent, no readiness: a lower bound, not a target.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { bridgeConfList, pluginInvocationConf } from '../src/agent/network/cni-config.js';
import { DEFAULT_CNI_PLUGIN_DIRS } from '../src/agent/network/cni.js';
import { buildOciSpec } from '../src/agent/runtime/oci-spec.js';
import { shellQuote } from '../src/agent/shell-quote.js';

export interface FloorOptions {
  /** Under the bench's work dir: swept (mounts, runc root) by the caller. */
  dir: string;
  pods: number;
  /** An unpacked root filesystem with /bin/sleep, shared read-only by all pods. */
  rootfs: string;
  runcRoot: string;
  cgroupRoot: string;
  bridge: string;
  podCidr: string;
  /** Busy jiffies of the host (all CPUs), for the CPU the floor used. */
  hostBusyTicks: () => number;
}

export interface FloorResult {
  wallMs: number;
  cpuS: number;
  running: number;
}

export async function measureFloor(o: FloorOptions): Promise<FloorResult> {
  const nsDir = join(o.dir, 'ns');
  mkdirSync(nsDir, { recursive: true });
  // Namespace files are bind mounts, which need a private mount above them (as PodNamespaces does).
  await sh(`mount --bind ${shellQuote(nsDir)} ${shellQuote(nsDir)} && mount --make-private ${shellQuote(nsDir)}`);
  const list = bridgeConfList({ name: 'k8ts-floor', bridge: o.bridge, podCidr: o.podCidr, ipamDataDir: join(o.dir, 'ipam'), ipMasq: false });
  writeFileSync(join(o.dir, 'bridge.json'), JSON.stringify(pluginInvocationConf(list, list.plugins[0]!, undefined, {})));
  for (let i = 0; i < o.pods; i++) {
    const pod = join(nsDir, String(i));
    mkdirSync(pod);
    for (const ns of ['net', 'ipc', 'uts']) writeFileSync(join(pod, ns), '');
    const spec = buildOciSpec({
      process: { args: ['sleep', '36000'], env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0 },
      security: { privileged: false, readOnlyRootFilesystem: true, capabilitiesAdd: [], capabilitiesDrop: [] },
      namespaces: { net: join(pod, 'net'), ipc: join(pod, 'ipc'), uts: join(pod, 'uts') },
      hostname: `floor-${i}`,
      cgroupsPath: `/${o.cgroupRoot}/floor-${i}`,
      resources: {},
      mounts: [],
    });
    writeFileSync(join(pod, 'config.json'), JSON.stringify({ ...spec, root: { path: o.rootfs, readonly: true } }));
  }
  const q = shellQuote;
  const pluginDirs = DEFAULT_CNI_PLUGIN_DIRS.join(':');
  const bridgePlugin = DEFAULT_CNI_PLUGIN_DIRS.map((d) => join(d, 'bridge')).find((p) => existsSync(p));
  if (!bridgePlugin) throw new Error('floor: the CNI bridge plugin is not installed');
  const podScript = [
    // The containers must not inherit the pipe to the bench, or it would never close.
    'd=$0/$1',
    'unshare --net=$d/net --ipc=$d/ipc --uts=$d/uts ip link set lo up',
    `CNI_COMMAND=ADD CNI_CONTAINERID=floor-$1 CNI_NETNS=$d/net CNI_IFNAME=eth0 CNI_PATH=${q(pluginDirs)} ${q(bridgePlugin)} <${q(join(o.dir, 'bridge.json'))} >$d/cni.json`,
    `runc --root ${q(o.runcRoot)} run -d --bundle $d floor-$1 </dev/null >/dev/null 2>$d/runc.err`,
  ].join(' && ');
  const busy0 = o.hostBusyTicks();
  const t0 = performance.now();
  await sh(`seq 0 ${o.pods - 1} | xargs -P ${availableParallelism()} -n 1 sh -c ${q(podScript)} ${q(nsDir)}`);
  const wallMs = performance.now() - t0;
  const cpuS = (o.hostBusyTicks() - busy0) / 100;
  const listed = await sh(`runc --root ${q(o.runcRoot)} list -q`);
  return { wallMs, cpuS, running: listed.split('\n').filter(Boolean).length };
}

function sh(script: string, timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout takes xargs and the tools too (and with them the pipes' last writers).
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.once('exit', () => clearTimeout(timer));
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`floor: sh exited ${code}: ${err.trim().slice(0, 1000)}`))));
  });
}
