// A pod's sandbox without a pause container: its network, IPC and UTS
// namespaces are created once by unshare(1) and kept alive by bind mounts
// under <nsDir>/<pod uid>/, which every container of the pod joins by path.
// They outlive the agent (so a restarted agent adopts running pods) and go
// away only when unmounted.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../exec-file.js';

export type SharedNamespace = 'net' | 'ipc' | 'uts';
const SHARED: SharedNamespace[] = ['net', 'ipc', 'uts'];

export class PodNamespaces {
  private prepared: Promise<void> | undefined;

  constructor(readonly nsDir: string) {}

  /**
   * Bind mounts of namespace files only work below a private mount, so the
   * directory is made a mount point of its own with private propagation.
   * Once, even when pods are created concurrently: two racing bind mounts
   * would stack, and the upper one hides the namespaces mounted below it.
   */
  private prepareDir(): Promise<void> {
    this.prepared ??= (async () => {
      mkdirSync(this.nsDir, { recursive: true });
      if (!isMountPoint(this.nsDir)) await runTool('mount', ['--bind', this.nsDir, this.nsDir]);
      await runTool('mount', ['--make-private', this.nsDir]);
    })().catch((err: unknown) => {
      this.prepared = undefined;
      throw err;
    });
    return this.prepared;
  }

  path(podUid: string, ns: SharedNamespace): string {
    return join(this.nsDir, podUid, ns);
  }

  /** Every namespace the pod has is pinned. Runs on each sync of each pod, so it asks statfs before reading /proc/self/mountinfo. */
  exists(podUid: string): boolean {
    // A new pod has no directory yet: nothing to ask statfs or mountinfo about.
    if (!existsSync(join(this.nsDir, podUid))) return false;
    // A hostNetwork pod has only its IPC namespace (UTS and net are the host's).
    // statfs answers the common case cheaply; a namespace it cannot see (a mount hidden under another) falls back to mountinfo.
    return (this.isHostNetwork(podUid) ? (['ipc'] as SharedNamespace[]) : SHARED).every((ns) => isNamespaceMount(this.path(podUid, ns)) || isMountPoint(this.path(podUid, ns)));
  }

  /** Creates the pod's namespaces (network unless hostNetwork); its containers' runc sets the hostname. */
  async create(podUid: string, hostNetwork: boolean): Promise<void> {
    await this.prepareDir();
    if (this.exists(podUid)) return;
    await this.destroy(podUid);
    const dir = join(this.nsDir, podUid);
    mkdirSync(dir, { recursive: true });
    const kinds = hostNetwork ? (['ipc'] as SharedNamespace[]) : SHARED;
    for (const ns of SHARED) writeFileSync(this.path(podUid, ns), '');
    const flags = kinds.map((ns) => `--${ns}=${this.path(podUid, ns)}`);
    // The command runs inside the new namespaces, which then persist as it
    // left them: the loopback comes up (what the CNI loopback plugin would
    // do, without a Go process start per pod). Every process start costs
    // 5-8 ms of CPU on the 2-core reference host, hence no shell around it.
    await runTool('unshare', [...flags, ...(hostNetwork ? ['true'] : ['ip', 'link', 'set', 'lo', 'up'])]);
    if (hostNetwork) writeFileSync(join(dir, 'host-network'), '');
  }

  isHostNetwork(podUid: string): boolean {
    return existsSync(join(this.nsDir, podUid, 'host-network'));
  }

  /** Unmounts and removes the pod's namespaces; harmless when already gone. */
  async destroy(podUid: string): Promise<void> {
    const dir = join(this.nsDir, podUid);
    if (!existsSync(dir)) return;
    for (const ns of SHARED) {
      const p = this.path(podUid, ns);
      if (isMountPoint(p)) await runTool('umount', ['-l', p], { allowFailure: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }

  /** Pod UIDs that have namespaces here (for cleaning up orphans). */
  list(): string[] {
    if (!existsSync(this.nsDir)) return [];
    return readdirSync(this.nsDir);
  }
}

/** Whether `path` is a mount point, from /proc/self/mountinfo. */
const NSFS_MAGIC = 0x6e736673;

/** A namespace file bind-mounted at `path` (statfs sees nsfs; an unmounted placeholder is a plain file). */
export function isNamespaceMount(path: string): boolean {
  try {
    return statfsSync(path).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

export function isMountPoint(path: string): boolean {
  const escaped = path.replace(/\\/g, '\\134').replace(/ /g, '\\040');
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.split(' ')[4] === escaped) return true;
  }
  return false;
}

/** Every mount point at or below `prefix` (deepest first), for cleanup. */
export function mountsUnder(prefix: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && (mp === prefix || mp.startsWith(`${prefix}/`))) out.push(mp.replace(/\\040/g, ' '));
  }
  return out.sort((a, b) => b.length - a.length);
}
