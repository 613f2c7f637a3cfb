// Serves `kubectl logs` from CRI log files: tail, since, timestamps, and
// follow (which switches to the live writer after the file is read).
import { existsSync, readFileSync } from 'node:fs';
import { parseRecord, recordTimeMs, type LogRecord } from './cri-log.js';
import { rotatedFiles, type ContainerLogWriter } from './container-log-writer.js';

export interface LogQuery {
  tailLines?: number;
  sinceMs?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Every record of a log, rotated files first. */
export function readRecords(path: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const file of [...rotatedFiles(path), path]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const r = line ? parseRecord(line) : undefined;
      if (r) out.push(r);
    }
  }
  return out;
}

/** Joins partial records into lines, as kubectl shows them. */
export function renderRecords(records: LogRecord[], query: LogQuery): string[] {
  const lines: string[] = [];
  let current = '';
  let firstTime: string | undefined;
  for (const r of records) {
    if (query.sinceMs !== undefined && recordTimeMs(r.time) < query.sinceMs) continue;
    firstTime ??= r.time;
    current += r.content;
    if (!r.partial) {
      lines.push(query.timestamps ? `${firstTime} ${current}\n` : `${current}\n`);
      current = '';
      firstTime = undefined;
    }
  }
  if (current) lines.push(query.timestamps ? `${firstTime} ${current}` : current);
  return query.tailLines !== undefined && query.tailLines >= 0 ? lines.slice(Math.max(0, lines.length - query.tailLines)) : lines;
}

export function renderRecord(r: LogRecord, timestamps: boolean): string {
  const text = r.partial ? r.content : `${r.content}\n`;
  return timestamps ? `${r.time} ${text}` : text;
}

export interface LogSink {
  write(text: string): void;
  end(): void;
  onClose(fn: () => void): void;
}

/**
 * Writes what the log holds and, when following a live writer, every new
 * record until the container's streams end or the client goes away.
 */
export async function streamLog(path: string, query: LogQuery & { follow?: boolean }, writer: ContainerLogWriter | undefined, sink: LogSink): Promise<void> {
  let unsubscribe: (() => void) | undefined;
  const buffered: LogRecord[] = [];
  // Subscribe before reading the file so nothing written in between is lost.
  if (query.follow && writer) unsubscribe = writer.subscribe((r) => buffered.push(r));
  const existing = readRecords(path);
  const seen = new Set(buffered);
  for (const line of renderRecords(existing.filter((r) => !seen.has(r)), query)) sink.write(line);
  if (!unsubscribe || !writer) {
    sink.end();
    return;
  }
  const lastTime = existing.at(-1)?.time;
  for (const r of buffered) if (!lastTime || r.time > lastTime) sink.write(renderRecord(r, !!query.timestamps));
  unsubscribe();
  const stop = writer.subscribe((r) => sink.write(renderRecord(r, !!query.timestamps)));
  sink.onClose(stop);
  await writer.whenFinished();
  stop();
  sink.end();
}
