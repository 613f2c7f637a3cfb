// The CRI container log format the kubelet writes and `kubectl logs` reads:
// one line per record, "<RFC3339Nano time> <stream> <P|F> <content>", where
// P marks a partial line (content continues in the next record) and F a full one.
export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
  stream: LogStream;
  partial: boolean;
  content: string;
}

/** Longest content in one record; longer lines are split into P records. */
export const MAX_RECORD_BYTES = 16 * 1024;

/** RFC 3339 with nanosecond precision from epoch milliseconds (+ optional extra nanoseconds). */
export function rfc3339Nano(ms: number, extraNs = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2024-01-01T00:00:00.123Z
  const nanos = Math.round((ms - Math.floor(ms)) * 1e6) + extraNs;
  return `${iso.slice(0, 23)}${String(Math.min(999_999, nanos)).padStart(6, '0')}Z`;
}

export function formatRecord(record: LogRecord): string {
  return `${record.time} ${record.stream} ${record.partial ? 'P' : 'F'} ${record.content}\n`;
}

export function parseRecord(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (tag !== 'P' && tag !== 'F') return undefined;
  return { time: line.slice(0, a), stream, partial: tag === 'P', content: c < 0 ? '' : line.slice(c + 1) };
}

/** Epoch ms of a record time (sub-ms digits dropped). */
export function recordTimeMs(time: string): number {
  return Date.parse(time.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

/**
 * Turns a byte stream from a container into records: complete lines become
 * F records, a line longer than MAX_RECORD_BYTES is cut into P records, and
 * what is left without a newline waits for more (or flush()).
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stream: LogStream,
    private readonly emit: (record: LogRecord) => void,
    private readonly nowMs: () => number = Date.now,
  ) {}

  push(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = data.indexOf(10);
      if (nl >= 0 && nl <= MAX_RECORD_BYTES) {
        this.record(data.subarray(0, nl), false);
        data = data.subarray(nl + 1);
      } else if (data.length > MAX_RECORD_BYTES) {
        // A line too long for one record: cut it, and keep looking for newlines in the rest.
        this.record(data.subarray(0, MAX_RECORD_BYTES), true);
        data = data.subarray(MAX_RECORD_BYTES);
      } else break;
    }
    this.pending = Buffer.from(data);
  }

  /** The stream ended: what is left is a final partial line. */
  flush(): void {
    if (this.pending.length) this.record(this.pending, true);
    this.pending = Buffer.alloc(0);
  }

  private record(bytes: Buffer, partial: boolean): void {
    this.emit({ time: rfc3339Nano(this.nowMs()), stream: this.stream, partial, content: bytes.toString('utf8') });
  }
}
