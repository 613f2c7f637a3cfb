// A long-lived sh that starts the agent's tools for it. spawn() from Node
// forks the whole agent: the kernel copies the page tables of ~100 MB of
// heap, and the event loop is blocked until the child has exec'd (4-5 ms of
// agent CPU per tool on a quiet host, 12-25 ms under load: half of what the
// agent spent per pod while 100 started at once). A shell of 2 MB forks in
// a fraction of that, so the agent writes each command to it as one line
// and the shell runs it as a background job, which reports "<id> <exit
// status>" on a pipe of its own. Output goes through files in a private
// directory, read once the status arrives.
//
// Background jobs of a non-interactive shell ignore SIGINT and SIGQUIT, and
// the tools inherit that; runc resets every signal for the container's own
// process, so containers get the default dispositions.
//
// The shell runs in its own session, so a terminal's Ctrl-C to the agent
// does not reach the containers it started. Its background jobs outlive it;
// the agent sees it die (the child exits), fails what was pending and starts
// another one on the next call.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellQuote } from './shell-quote.js';

export interface ForkResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ForkOptions {
  /** Written to the command's stdin (otherwise /dev/null). */
  input?: string | Buffer;
  /**
   * The command's own stdio redirections (e.g. `1<>out.fifo 2<>err.fifo`)
   * instead of captured output; the result's stdout and stderr are then empty.
   */
  redirect?: string;
  /** Let the agent's process exit while this command runs (a container's shim). */
  background?: boolean;
}

interface Pending {
  resolve: (r: ForkResult) => void;
  reject: (e: Error) => void;
  shell: ChildProcess;
  /** The job said it began: its status will come, even if the shell dies first. */
  started: boolean;
  files: { out?: string; err?: string; in?: string };
  holdsRef: boolean;
}

export class ForkServerError extends Error {}

/** After the shell died, how long "started" lines already written may take to be read. */
const DEFAULT_STARTED_GRACE_MS = 200;

export class ForkServer {
  private shell: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Per shell, its pending requests that keep the process alive. */
  private readonly refs = new Map<ChildProcess, number>();
  private dir: string | undefined;
  private shellStderr = '';

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** Where the directory for output files is made. */
    private readonly parentDir = tmpdir(),
    private readonly startedGraceMs = DEFAULT_STARTED_GRACE_MS,
  ) {}

  /** Runs `command` (shell text, already quoted) and resolves with its exit status, whatever it is. */
  run(command: string, opts: ForkOptions = {}): Promise<ForkResult> {
    const shell = this.ensureShell();
    const id = this.nextId++;
    const dir = this.workDir();
    const files: Pending['files'] = opts.redirect === undefined ? { out: join(dir, `${id}.out`), err: join(dir, `${id}.err`) } : {};
    let stdin = '</dev/null';
    if (opts.input !== undefined) {
      files.in = join(dir, `${id}.in`);
      writeFileSync(files.in, opts.input);
      stdin = `<${shellQuote(files.in)}`;
    }
    const io = files.out && files.err ? `${stdin} >${shellQuote(files.out)} 2>${shellQuote(files.err)}` : `${stdin} ${opts.redirect}`;
    // `jobs` makes the shell reap its finished jobs (a non-interactive sh
    // that only starts background jobs never waits for them: each would stay
    // a zombie). The job first says it began, so that a shell dying later
    // does not fail a command that runs anyway. The braces keep the
    // command's own redirections and `&&` chains together; fd 3 (the status
    // pipe) is closed for it so a long-lived process cannot hold the pipe.
    const line = `jobs >/dev/null; ( echo "${id} +" >&3; { ${command}\n} ${io} 3>&-; echo "${id} $?" >&3 ) &\n`;
    return new Promise<ForkResult>((resolve, reject) => {
      const holdsRef = !opts.background;
      this.pending.set(id, { resolve, reject, shell, started: false, files, holdsRef });
      if (holdsRef) this.ref(shell);
      shell.stdin!.write(line);
    });
  }

  /** Stops the shell (its running jobs go on) and removes the output directory. */
  close(): void {
    this.shell?.stdin?.end();
    this.shell = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private workDir(): string {
    if (!this.dir) {
      removeDirsOfDeadProcesses(this.parentDir);
      const dir = mkdtempSync(join(this.parentDir, `${DIR_PREFIX}${process.pid}-`));
      this.dir = dir;
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    return this.dir;
  }

  private ensureShell(): ChildProcess {
    if (this.shell) return this.shell;
    const shell = spawn('sh', ['-s'], { detached: true, stdio: ['pipe', 'ignore', 'pipe', 'pipe'], env: this.env });
    this.shell = shell;
    this.shellStderr = '';
    // Each shell has its own status pipe, read for as long as its jobs write to it (after the shell itself is gone too).
    let buffered = '';
    const status = shell.stdio[3] as Socket;
    status.setEncoding('utf8');
    status.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.onStatusLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    status.on('error', () => undefined);
    shell.stderr!.setEncoding('utf8');
    shell.stderr!.on('data', (chunk: string) => (this.shellStderr = (this.shellStderr + chunk).slice(-2000)));
    shell.stdin!.on('error', () => undefined);
    shell.on('error', (e) => this.onShellGone(shell, e.message));
    shell.on('exit', (code, signal) => this.onShellGone(shell, `exited ${signal ?? code}`));
    // Idle, the shell must not keep the agent's process alive.
    this.unrefAll(shell);
    return shell;
  }

  private onStatusLine(line: string): void {
    const [idText, codeText] = line.split(' ');
    const id = Number(idText);
    const p = this.pending.get(id);
    if (!p) return;
    if (codeText === '+') {
      p.started = true;
      return;
    }
    this.settle(id, p);
    p.resolve({ code: Number(codeText), stdout: p.files.out ? readAndRemove(p.files.out) : '', stderr: p.files.err ? readAndRemove(p.files.err) : '' });
  }

  /**
   * The shell is gone: the next call starts another. Commands it had begun
   * still report on its status pipe; those it never read fail, once the
   * "started" lines it did write have had time to arrive, and those whose
   * job died without a word fail when the pipe closes.
   */
  private onShellGone(shell: ChildProcess, why: string): void {
    if (this.shell !== shell) return;
    this.shell = undefined;
    this.unrefAll(shell);
    // Its status pipe still holds the process for the commands waited on.
    if (this.refs.has(shell)) (shell.stdio[3] as Socket).ref();
    const message = `the agent's fork server (sh) ${why}${this.shellStderr ? `: ${this.shellStderr.trim()}` : ''}`;
    setTimeout(() => this.failPending(shell, message, true), this.startedGraceMs);
    // Once every job is gone too, nothing more will be said: whatever is left failed with them.
    (shell.stdio[3] as Socket).once('close', () => this.failPending(shell, message, false));
  }

  private failPending(shell: ChildProcess, message: string, onlyUnstarted: boolean): void {
    for (const [id, p] of this.pending) {
      if (p.shell !== shell || (onlyUnstarted && p.started)) continue;
      this.settle(id, p);
      for (const f of [p.files.out, p.files.err]) if (f) rmSync(f, { force: true });
      p.reject(new ForkServerError(message));
    }
  }

  /** Forgets a request (its ref and input file) before it is resolved or rejected. */
  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    if (p.holdsRef) this.unref(p.shell);
    if (p.files.in) rmSync(p.files.in, { force: true });
  }

  private ref(shell: ChildProcess): void {
    const n = (this.refs.get(shell) ?? 0) + 1;
    this.refs.set(shell, n);
    if (n === 1) {
      if (shell === this.shell) this.refAll(shell);
      else (shell.stdio[3] as Socket).ref();
    }
  }

  private unref(shell: ChildProcess): void {
    const n = (this.refs.get(shell) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(shell, n);
      return;
    }
    this.refs.delete(shell);
    this.unrefAll(shell);
  }

  private refAll(shell: ChildProcess): void {
    shell.ref();
    (shell.stdio[3] as Socket).ref();
    (shell.stderr as Socket).ref();
    (shell.stdin as unknown as Socket).ref();
  }

  private unrefAll(shell: ChildProcess): void {
    shell.unref();
    (shell.stdio[3] as Socket).unref();
    (shell.stderr as Socket).unref();
    (shell.stdin as unknown as Socket).unref();
  }
}

const DIR_PREFIX = 'k8ts-fork-';

/** A process killed with SIGKILL leaves its directory behind: the next one removes it (the name carries the pid). */
function removeDirsOfDeadProcesses(parentDir: string): void {
  for (const name of readdirSync(parentDir)) {
    const pid = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid && !existsSync(`/proc/${pid}`)) rmSync(join(parentDir, name), { recursive: true, force: true });
  }
}

function readAndRemove(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  } finally {
    rmSync(path, { force: true });
  }
}
