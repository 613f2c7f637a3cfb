// Containers of pods on this node, as records on disk (so a restarted agent
// adopts what is running): start from an image through runc, observe exits,
// stop gracefully, and remove everything a container left (runc state,
// cgroup, overlay mount, bundle).
import { constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { hasStdinFifo, missingFifos, launchContainer, openFifoReader, readExit, readPidFile, fifoPath, shimPidPath, whenRunning, type ExitRecord } from './container-launcher.js';
import { mountRootfs, removeBundle } from './container-rootfs.js';
import { buildOciSpec, type SpecInputs } from './oci-spec.js';
import type { Runc } from './runc.js';
import { CGROUP_ROOT } from './cgroup-paths.js';
import { hostCapabilities } from './host-capabilities.js';
import { ContainerLogWriter, type LogRotation } from '../streaming/container-log-writer.js';

export interface ContainerRecord {
  id: string;
  podUid: string;
  podNamespace: string;
  podName: string;
  name: string;
  init: boolean;
  attempt: number;
  image: string;
  imageId: string;
  startedAtMs: number;
  bundleDir: string;
  logPath: string;
  cgroupPath: string;
  /** The container reads stdin from a FIFO that attach sessions write to. */
  stdin?: boolean;
  /** stdin closes when the first attach session that used it ends. */
  stdinOnce?: boolean;
  /** The container runs on a terminal (its output is all stdout). */
  tty?: boolean;
}

export interface ContainerExit extends ExitRecord {
  oomKilled: boolean;
}

export type ExitListener = (record: ContainerRecord) => void;

export class ContainerRuntime {
  private readonly records = new Map<string, ContainerRecord>();
  private readonly exits = new Map<string, ContainerExit>();
  private readonly logWriters = new Map<string, ContainerLogWriter>();
  private readonly listeners = new Set<ExitListener>();

  constructor(
    private readonly podsDir: string,
    readonly logsDir: string,
    readonly runc: Runc,
    private readonly rotation?: LogRotation,
  ) {
    mkdirSync(podsDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
  }

  onExit(listener: ExitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  podDir(podUid: string): string {
    return join(this.podsDir, podUid);
  }

  /** Reloads container records left by a previous agent; running ones get their logs drained again. */
  adopt(): ContainerRecord[] {
    const adopted = readContainerRecords(this.podsDir);
    for (const record of adopted) {
      this.records.set(record.id, record);
      if (!this.exitOf(record)) this.drainLogs(record);
    }
    return adopted;
  }

  /** Pod UIDs with any state on disk. */
  knownPods(): string[] {
    return existsSync(this.podsDir) ? readdirSync(this.podsDir) : [];
  }

  containersOf(podUid: string): ContainerRecord[] {
    return [...this.records.values()].filter((r) => r.podUid === podUid).sort((a, b) => a.attempt - b.attempt);
  }

  /** The latest attempt of a named container. */
  latest(podUid: string, name: string): ContainerRecord | undefined {
    return this.containersOf(podUid).filter((r) => r.name === name).at(-1);
  }

  logWriter(id: string): ContainerLogWriter | undefined {
    return this.logWriters.get(id);
  }

  async start(record: Omit<ContainerRecord, 'id' | 'bundleDir' | 'startedAtMs'>, lowerDirs: string[], spec: SpecInputs, files: { path: string; content: string }[] = []): Promise<ContainerRecord> {
    const id = `${record.podUid}-${record.name}-${record.attempt}`;
    const bundleDir = join(this.podDir(record.podUid), 'containers', `${record.name}-${record.attempt}`);
    await removeBundle(bundleDir);
    mkdirSync(bundleDir, { recursive: true });
    const full: ContainerRecord = { ...record, id, bundleDir, startedAtMs: Date.now() };
    try {
      await mountRootfs(bundleDir, lowerDirs, missingFifos(bundleDir, hasStdinFifo(record)));
      for (const f of files) writeFileSync(join(bundleDir, f.path), f.content);
      writeFileSync(join(bundleDir, 'config.json'), JSON.stringify(buildOciSpec({ ...spec, security: { availableCapabilities: hostCapabilities(), ...spec.security } })));
      writeFileSync(join(bundleDir, 'container.json'), JSON.stringify(full));
      mkdirSync(join(full.logPath, '..'), { recursive: true });
      this.records.set(id, full);
      // The reader opens first: opening a FIFO for writing is then never the first open.
      this.drainLogs(full);
      const shim = launchContainer(this.runc, id, bundleDir, { stdin: record.stdin, tty: record.tty });
      void shim.exited.then(() => this.observeExit(full));
      await whenRunning(bundleDir, shim);
      return full;
    } catch (err) {
      this.records.delete(id);
      this.logWriters.get(id)?.close();
      this.logWriters.delete(id);
      await removeBundle(bundleDir);
      throw err;
    }
  }

  private drainLogs(record: ContainerRecord): void {
    const writer = new ContainerLogWriter(record.logPath, this.rotation);
    this.logWriters.set(record.id, writer);
    writer.attach('stdout', openFifoReader(fifoPath(record.bundleDir, 'stdout')));
    writer.attach('stderr', openFifoReader(fifoPath(record.bundleDir, 'stderr')));
  }

  /**
   * A writer to the container's stdin, for one attach session; undefined
   * when the container has no stdin, it was closed (stdinOnce) or the
   * container is gone.
   */
  openStdin(record: ContainerRecord): Socket | undefined {
    if (!record.stdin || existsSync(join(record.bundleDir, 'stdin-closed')) || this.exitOf(record)) return undefined;
    try {
      // Non-blocking: opening for write needs a reader, which the shim and the container are.
      const fd = openSync(fifoPath(record.bundleDir, 'stdin'), constants.O_WRONLY | constants.O_NONBLOCK);
      const socket = new Socket({ fd, readable: false, writable: true });
      socket.on('error', () => socket.destroy());
      return socket;
    } catch {
      return undefined;
    }
  }

  /** Closes a stdinOnce container's stdin for good: the shim drops its end (the container reads EOF once no session writes). */
  closeStdin(record: ContainerRecord): void {
    if (!record.stdin || !record.stdinOnce) return;
    writeFileSync(join(record.bundleDir, 'stdin-closed'), '');
    const shim = readPidFile(shimPidPath(record.bundleDir));
    try {
      if (shim) process.kill(shim, 'SIGUSR1');
    } catch {
      // The shim has exited with its container.
    }
  }

  /** Checks an adopted container (not started by this agent) for an exit. */
  pollExit(record: ContainerRecord): ContainerExit | undefined {
    if (this.exits.has(record.id)) return this.exits.get(record.id);
    if (!readExit(record.bundleDir)) return undefined;
    this.observeExit(record);
    return this.exits.get(record.id);
  }

  private observeExit(record: ContainerRecord): void {
    if (this.exits.has(record.id) || !this.records.has(record.id)) return;
    const exit = readExit(record.bundleDir);
    if (!exit) return;
    this.exits.set(record.id, { ...exit, oomKilled: this.oomKilled(record) });
    for (const l of this.listeners) l(record);
  }

  exitOf(record: ContainerRecord): ContainerExit | undefined {
    return this.exits.get(record.id) ?? this.pollExit(record);
  }

  /** v1 memory cgroup's oom_kill counter; runc --keep leaves the cgroup until delete. */
  private oomKilled(record: ContainerRecord): boolean {
    try {
      const text = readFileSync(join(CGROUP_ROOT, 'memory', record.cgroupPath, 'memory.oom_control'), 'utf8');
      return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0) > 0;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the container has exited. */
  async stop(record: ContainerRecord, graceMs: number, schedule: (ms: number, fn: () => void) => () => void): Promise<void> {
    if (this.exitOf(record)) return;
    await this.runc.kill(record.id, 'TERM');
    await new Promise<void>((resolve) => {
      const cancelKill = schedule(graceMs, () => void this.runc.kill(record.id, 'KILL'));
      const check = () => {
        if (this.exitOf(record)) {
          cancelKill();
          resolve();
          return;
        }
        schedule(50, check);
      };
      check();
    });
  }

  /** Forgets a container and removes all it left on the node. */
  async remove(record: ContainerRecord): Promise<void> {
    await this.runc.delete(record.id);
    await removeBundle(record.bundleDir);
    this.records.delete(record.id);
    this.exits.delete(record.id);
    this.logWriters.delete(record.id);
  }

  /** Removes a pod's containers, its state dir and its logs. */
  async removePod(podUid: string, logDir: string | undefined): Promise<void> {
    for (const r of this.containersOf(podUid)) await this.remove(r);
    // Containers this agent never knew (a crash between start and record) still have runc state.
    for (const state of await this.runc.list()) if (state.id.startsWith(`${podUid}-`)) await this.runc.delete(state.id);
    rmSync(this.podDir(podUid), { recursive: true, force: true });
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }
}

/** Every container record under a pods dir (<pods>/<uid>/containers/<name>-<attempt>/container.json): what the agent keeps on disk. */
export function readContainerRecords(podsDir: string): ContainerRecord[] {
  const records: ContainerRecord[] = [];
  if (!existsSync(podsDir)) return records;
  for (const podUid of readdirSync(podsDir)) {
    const containersDir = join(podsDir, podUid, 'containers');
    if (!existsSync(containersDir)) continue;
    for (const entry of readdirSync(containersDir)) {
      const file = join(containersDir, entry, 'container.json');
      if (existsSync(file)) records.push(JSON.parse(readFileSync(file, 'utf8')) as ContainerRecord);
    }
  }
  return records;
}
