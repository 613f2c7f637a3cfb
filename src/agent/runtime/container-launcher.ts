// Starts a container so that it outlives the agent. A small shell shim runs
// `runc run --keep` in the foreground in its own session and writes runc's
// exit status (the container's, 128+signal when killed) to <bundle>/exit.
// The container writes stdout and stderr into FIFOs that the shim holds open
// read-write, so the container never gets SIGPIPE while no agent reads
// them; the agent (this one or the next) drains them into CRI log files.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { runTool } from '../exec-file.js';
import { shellQuote, type Runc } from './runc.js';

export interface ExitRecord {
  exitCode: number;
  finishedAtMs: number;
}

export function fifoPath(bundleDir: string, stream: 'stdout' | 'stderr'): string {
  return join(bundleDir, `${stream}.fifo`);
}

export async function makeFifos(bundleDir: string): Promise<void> {
  for (const s of ['stdout', 'stderr'] as const) {
    if (!existsSync(fifoPath(bundleDir, s))) await runTool('mkfifo', ['-m', '600', fifoPath(bundleDir, s)]);
  }
}

/**
 * Opens a FIFO for reading without blocking the event loop: a non-blocking
 * fd wrapped in a net.Socket is polled by libuv, unlike fs streams, which
 * would park a thread-pool thread in read() for every container.
 */
export function openFifoReader(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

export interface LaunchedShim {
  /** Resolves when the shim exits (only for shims this agent started). */
  exited: Promise<void>;
}

export function launchContainer(runc: Runc, id: string, bundleDir: string): LaunchedShim {
  const exitFile = join(bundleDir, 'exit');
  const script = `${[runc.binary, ...runc.args('run', '--keep', '--bundle', bundleDir, id)].map(shellQuote).join(' ')}; `
    + `echo "$? $(date +%s%3N)" > ${shellQuote(`${exitFile}.tmp`)} && mv ${shellQuote(`${exitFile}.tmp`)} ${shellQuote(exitFile)}`;
  const out = openSync(fifoPath(bundleDir, 'stdout'), 'r+');
  const err = openSync(fifoPath(bundleDir, 'stderr'), 'r+');
  try {
    const child = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', out, err] });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.unref();
    return { exited };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

export function readExit(bundleDir: string): ExitRecord | undefined {
  const path = join(bundleDir, 'exit');
  if (!existsSync(path)) return undefined;
  const [code, at] = readFileSync(path, 'utf8').trim().split(/\s+/);
  return { exitCode: Number(code), finishedAtMs: Number(at) || Date.now() };
}
