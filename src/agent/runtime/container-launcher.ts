// Starts a container so that it outlives the agent. A small shell shim runs
// `runc run --keep` in the foreground in its own session and writes runc's
// exit status (the container's, 128+signal when killed) to <bundle>/exit.
// The container writes stdout and stderr into FIFOs that the shim holds open
// read-write, so the container never gets SIGPIPE while no agent reads
// them; the agent (this one or the next) drains them into CRI log files.
// A container with `stdin: true` reads a third FIFO that the shim keeps
// open for writing, so stdin stays open (empty) between attach sessions;
// with `stdinOnce` the shim drops its end on SIGUSR1, and the container
// reads EOF once the attached client has gone too.
import { existsSync, openSync, readFileSync, watch, constants } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { runShell, shellQuote } from '../exec-file.js';
import type { Runc } from './runc.js';

export interface ExitRecord {
  exitCode: number;
  finishedAtMs: number;
}

export function fifoPath(bundleDir: string, stream: 'stdin' | 'stdout' | 'stderr'): string {
  return join(bundleDir, `${stream}.fifo`);
}

/** The shim's pid, for closing a stdinOnce container's stdin. */
export function shimPidPath(bundleDir: string): string {
  return join(bundleDir, 'shim.pid');
}

/** The container's FIFOs that do not exist yet (Node cannot make one: mkfifo(1) does, see mountRootfs). */
export function missingFifos(bundleDir: string, stdin = false): string[] {
  return (stdin ? (['stdin', 'stdout', 'stderr'] as const) : (['stdout', 'stderr'] as const)).map((s) => fifoPath(bundleDir, s)).filter((p) => !existsSync(p));
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

/** The pid a shim wrote into one of the files above; undefined when it is not (or no longer) there. */
export function readPidFile(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The pid of script(1) holding a tty container's outer terminal (see launchContainer), for resizing it. */
export function ttyHolderPidPath(bundleDir: string): string {
  return join(bundleDir, 'tty.pid');
}

/** `runc run` writes the container's pid here (atomically) once the container's process runs. */
export function pidFilePath(bundleDir: string): string {
  return join(bundleDir, 'container.pid');
}

/**
 * Resolves once the container runs (runc has written its pid file) or the
 * shim has exited (runc failed, or the container already finished): a
 * container is reported started only when it is. inotify on the bundle
 * dir, so waiting costs no fork and no polling.
 */
export function whenRunning(bundleDir: string, shim: LaunchedShim): Promise<void> {
  return new Promise((resolve, reject) => {
    const pidFile = pidFilePath(bundleDir);
    const watcher = watch(bundleDir);
    const done = () => {
      watcher.close();
      resolve();
    };
    watcher.on('change', (_event, name) => {
      if (name === 'container.pid' && existsSync(pidFile)) done();
    });
    watcher.on('error', done);
    void shim.exited.then((launchError) => {
      if (!launchError) return done();
      watcher.close();
      reject(launchError);
    });
    if (existsSync(pidFile)) done();
  });
}

export interface LaunchedShim {
  /** Resolves when the shim exits (only for shims this agent started), with the error when it never started (the fork server died first). */
  exited: Promise<Error | undefined>;
}

export interface LaunchOptions {
  /** The container reads a stdin FIFO (see above). */
  stdin?: boolean;
  /** The container's process has a terminal (process.terminal in its spec). */
  tty?: boolean;
}

/** Whether the shim keeps a stdin FIFO: for `stdin: true`, and for a tty (whose reads then wait rather than end). */
export function hasStdinFifo(opts: LaunchOptions): boolean {
  return !!opts.stdin || !!opts.tty;
}

export function launchContainer(runc: Runc, id: string, bundleDir: string, opts: LaunchOptions = {}): LaunchedShim {
  const exitFile = join(bundleDir, 'exit');
  let runcLine = [runc.binary, ...runc.args('run', '--keep', '--pid-file', pidFilePath(bundleDir), '--bundle', bundleDir, id)].map(shellQuote).join(' ');
  // With a terminal, runc in the foreground copies between its own stdin
  // and the container's console, and wants that stdin to be a terminal it
  // can set raw: script(1) gives it one (the outer pty, which attach resizes)
  // and copies it to and from the FIFOs. It is made raw before runc starts so
  // that early input is not echoed twice.
  // script(1) runs its command with $SHELL: sh, whatever the agent's user logs in with.
  if (opts.tty) runcLine = `SHELL=/bin/sh script -q -e -f -c ${shellQuote(`stty raw -echo && exec ${runcLine}`)} /dev/null`;
  const stdin = hasStdinFifo(opts);
  const recordExit = `echo "$rc $(date +%s%3N)" > ${shellQuote(`${exitFile}.tmp`)} && mv ${shellQuote(`${exitFile}.tmp`)} ${shellQuote(exitFile)}`;
  const stdinFifo = shellQuote(fifoPath(bundleDir, 'stdin'));
  // With stdin: fd 3 holds the FIFO open (so opening it read-only for the
  // container does not block and reads wait rather than end); SIGUSR1 closes
  // it. `wait` returns early when the trap runs, hence the loop.
  const script = stdin
    ? `echo $$ > ${shellQuote(shimPidPath(bundleDir))}; exec 3<>${stdinFifo}; trap 'exec 3>&-' USR1; `
      + `${runcLine} <${stdinFifo} 3>&- & pid=$!; ${opts.tty ? `echo $pid > ${shellQuote(ttyHolderPidPath(bundleDir))}; ` : ''}wait $pid; rc=$?; `
      + `while kill -0 $pid 2>/dev/null; do wait $pid; rc=$?; done; ${recordExit}`
    : `${runcLine}; rc=$?; ${recordExit}`;
  // The shim is the fork server's job, holding the output FIFOs open
  // read-write (which never blocks). With stdin it is a sh of its own, so
  // that $$ is its pid; without, it saves that process start.
  const redirect = `1<>${shellQuote(fifoPath(bundleDir, 'stdout'))} 2<>${shellQuote(fifoPath(bundleDir, 'stderr'))}`;
  const exited = runShell(stdin ? `sh -c ${shellQuote(script)}` : script, { redirect, background: true }).then(
    () => undefined,
    (err: Error) => err,
  );
  return { exited };
}

export function readExit(bundleDir: string): ExitRecord | undefined {
  const path = join(bundleDir, 'exit');
  if (!existsSync(path)) return undefined;
  const [code, at] = readFileSync(path, 'utf8').trim().split(/\s+/);
  return { exitCode: Number(code), finishedAtMs: Number(at) || Date.now() };
}
