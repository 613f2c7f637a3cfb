// Drains a container's stdout/stderr FIFOs into its CRI log file, rotating
// the file when it grows past maxBytes (keeping maxFiles, as the kubelet's
// containerLogMaxSize/containerLogMaxFiles), and tells live followers
// (kubectl logs -f, attach) about each record as it is written.
import { appendFileSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Socket } from 'node:net';
import { formatRecord, LineSplitter, type LogRecord, type LogStream } from './cri-log.js';

export interface LogRotation {
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

export type LogListener = (record: LogRecord) => void;

export class ContainerLogWriter {
  private size: number;
  private readonly listeners = new Set<LogListener>();
  private openStreams = 0;
  private sources: Socket[] = [];
  private finishedWaiters: (() => void)[] = [];
  private finished = false;

  constructor(
    readonly path: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  /** Reads one stream until EOF (all writers, i.e. the shim, have exited). */
  attach(stream: LogStream, source: Socket): void {
    this.openStreams++;
    this.sources.push(source);
    const splitter = new LineSplitter(stream, (r) => this.write(r), this.nowMs);
    source.on('data', (chunk: Buffer) => splitter.push(chunk));
    const end = () => {
      splitter.flush();
      source.destroy();
      if (--this.openStreams === 0) {
        this.finished = true;
        for (const w of this.finishedWaiters) w();
        this.finishedWaiters = [];
      }
    };
    source.once('end', end);
    source.once('error', end);
  }

  /** Stops reading (for a container that never started: no writer will ever close its FIFOs). */
  close(): void {
    for (const s of this.sources) s.destroy();
    this.sources = [];
  }

  /** Resolves once every attached stream has ended. */
  whenFinished(): Promise<void> {
    return this.finished || this.openStreams === 0 ? Promise.resolve() : new Promise((r) => this.finishedWaiters.push(r));
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(record: LogRecord): void {
    const line = formatRecord(record);
    if (this.size + line.length > this.rotation.maxBytes && this.size > 0) this.rotate();
    appendFileSync(this.path, line);
    this.size += Buffer.byteLength(line);
    for (const l of this.listeners) l(record);
  }

  /** N.log → N.log.<timestamp>; the oldest rotated files beyond maxFiles go. */
  private rotate(): void {
    renameSync(this.path, `${this.path}.${this.nowMs()}`);
    this.size = 0;
    const rotated = rotatedFiles(this.path);
    for (const old of rotated.slice(0, Math.max(0, rotated.length - (this.rotation.maxFiles - 1)))) rmSync(old, { force: true });
  }
}

/** Rotated files of a log, oldest first. */
export function rotatedFiles(path: string): string[] {
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const prefix = `${basename(path)}.`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && /^\d+$/.test(f.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((f) => join(dir, f));
}
