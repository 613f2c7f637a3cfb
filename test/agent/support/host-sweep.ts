// Last-resort cleanup for agent tests, independent of any agent: kills every
// process in the test's cgroup tree and every runc container under its data
// dir, unmounts what lies under the work dir (namespace files, volumes),
// deletes the bridge, removes the hostPort (portmap) NAT rules that lead to
// the test's pod addresses and the cgroup tree in every hierarchy. Safe to
// run after a clean teardown (it finds nothing) and after a crash.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeCgroup } from '../../../src/agent/runtime/cgroup-paths.js';
import { ipToInt } from '../../../src/agent/network/cni-config.js';

export interface SweepTarget {
  /** Everything the test created lives under this dir (agent data dirs included). */
  workDir: string;
  /** runc --root dirs to sweep (<agent data dir>/run/runc). */
  runcRoots: string[];
  cgroupRoot: string;
  bridgeName: string;
  /** The test's cluster CIDR: portmap chains that DNAT into it are the test's. */
  clusterCidr?: string;
}

/** Runs a tool, ignoring its output and failure (no stdin: nothing to EPIPE on). */
function run(cmd: string, args: string[], _opts?: { timeoutMs?: number }): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), _opts?.timeoutMs ?? 10_000);
    child.once('error', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function sweepHost(t: SweepTarget): Promise<void> {
  for (const root of t.runcRoots) {
    if (!existsSync(root)) continue;
    for (const id of readdirSync(root)) {
      await run('runc', ['--root', root, 'kill', id, 'KILL'], { timeoutMs: 10_000 }).catch(() => undefined);
      await run('runc', ['--root', root, 'delete', '--force', id], { timeoutMs: 10_000 }).catch(() => undefined);
    }
  }
  // Anything still in the test's cgroups (a supervisor shell, an exec) dies too.
  const marker = `/${t.cgroupRoot}/`;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(t.workDir));
  for (const mp of mounts.sort().reverse()) await run('umount', ['-l', mp]).catch(() => undefined);
  if (existsSync(join('/sys/class/net', t.bridgeName))) await run('ip', ['link', 'del', t.bridgeName]).catch(() => undefined);
  if (t.clusterCidr) await sweepPortmapRules(t.clusterCidr);
  // Killed processes leave their cgroups a moment later.
  for (let i = 0; i < 50; i++) {
    removeCgroup(`/${t.cgroupRoot}`);
    if (!readdirSync('/sys/fs/cgroup').some((c) => existsSync(join('/sys/fs/cgroup', c, t.cgroupRoot)))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deletes portmap's per-pod CNI-DN-* chains whose DNAT targets lie in `cidr`, and the rules jumping to them. */
async function sweepPortmapRules(cidr: string): Promise<void> {
  const [base, bits] = cidr.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  const inCidr = (ip: string) => ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(base) & mask) >>> 0);
  const lines = await natRules();
  const chains = new Set(lines.flatMap((l) => {
    const m = /^-A (CNI-DN-\w+) .*--to-destination (\d+\.\d+\.\d+\.\d+):/.exec(l);
    return m && inCidr(m[2]!) ? [m[1]!] : [];
  }));
  for (const chain of chains) {
    for (const l of lines.filter((x) => x.startsWith('-A ') && x.endsWith(`-j ${chain}`))) {
      // iptables-save prints rules in the form `iptables -D` takes back (quoted comments included).
      await run('sh', ['-c', `iptables -t nat -D ${l.slice(3)}`]);
    }
    await run('iptables', ['-t', 'nat', '-F', chain]);
    await run('iptables', ['-t', 'nat', '-X', chain]);
  }
}

/** The nat table as iptables-save prints it, a rule or chain per line. */
function natRules(): Promise<string[]> {
  return new Promise<string[]>((resolve) => {
    const child = spawn('iptables-save', ['-t', 'nat'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', () => resolve([]));
    child.once('close', () => resolve(out.split('\n')));
  });
}

// The chains the portmap plugin makes once per host and never removes itself.
const PORTMAP_BASE_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK'];

/** Whether portmap's host-wide chains exist (a test that finds them there must leave them). */
export async function portmapBaseChainsExist(): Promise<boolean> {
  return (await natRules()).some((l) => PORTMAP_BASE_CHAINS.some((c) => l.startsWith(`:${c} `)));
}

/**
 * Removes portmap's host-wide chains and the rules hooking them in, for a
 * test that created them; left alone while any pod's DNAT chain still hangs off them.
 */
export async function removePortmapBaseChains(): Promise<void> {
  const lines = await natRules();
  if (lines.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT '))) return;
  for (const l of lines.filter((x) => x.startsWith('-A ') && PORTMAP_BASE_CHAINS.some((c) => x.endsWith(`-j ${c}`)))) {
    await run('sh', ['-c', `iptables -t nat -D ${l.slice(3)}`]);
  }
  for (const chain of PORTMAP_BASE_CHAINS) {
    await run('iptables', ['-t', 'nat', '-F', chain]);
    await run('iptables', ['-t', 'nat', '-X', chain]);
  }
}
