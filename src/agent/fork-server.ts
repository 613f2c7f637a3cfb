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
  files?: { out: string; err: string; in?: string };
  holdsRef: boolean;
}

export class ForkServerError extends Error {}

export class ForkServer {
  private shell: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private refs = 0;
  private dir: string | undefined;
  private statusBuffer = '';
  private shellStderr = '';

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** Where the directory for output files is made. */
    private readonly parentDir = tmpdir(),
  ) {}

  /** Runs `command` (shell text, already quoted) and resolves with its exit status, whatever it is. */
  run(command: string, opts: ForkOptions = {}): Promise<ForkResult> {
    const shell = this.ensureShell();
    const id = this.nextId++;
    const dir = this.workDir();
    const files = opts.redirect === undefined ? { out: join(dir, `${id}.out`), err: join(dir, `${id}.err`) } : undefined;
    let stdin = '</dev/null';
    if (opts.input !== undefined) {
      const inFile = join(dir, `${id}.in`);
      writeFileSync(inFile, opts.input);
      stdin = `<${shellQuote(inFile)}`;
      if (files) Object.assign(files, { in: inFile });
    }
    const io = files ? `${stdin} >${shellQuote(files.out)} 2>${shellQuote(files.err)}` : `${stdin} ${opts.redirect}`;
    // The braces keep the command's own redirections and `&&` chains
    // together; fd 3 (the status pipe) is closed for it so a long-lived
    // process cannot hold the pipe open.
    const line = `( { ${command}\n} ${io} 3>&-; echo "${id} $?" >&3 ) &\n`;
    return new Promise<ForkResult>((resolve, reject) => {
      const holdsRef = !opts.background;
      this.pending.set(id, { resolve, reject, files, holdsRef });
      if (holdsRef) this.ref();
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
    const status = shell.stdio[3] as Socket;
    status.setEncoding('utf8');
    status.on('data', (chunk: string) => this.onStatus(chunk));
    shell.stderr!.setEncoding('utf8');
    shell.stderr!.on('data', (chunk: string) => (this.shellStderr = (this.shellStderr + chunk).slice(-2000)));
    shell.stdin!.on('error', () => undefined);
    shell.on('error', (e) => this.onShellGone(shell, e.message));
    shell.on('exit', (code, signal) => this.onShellGone(shell, `exited ${signal ?? code}`));
    // Idle, the shell must not keep the agent's process alive.
    this.unrefAll(shell);
    if (this.refs > 0) this.refAll(shell);
    return shell;
  }

  private onStatus(chunk: string): void {
    this.statusBuffer += chunk;
    let nl: number;
    while ((nl = this.statusBuffer.indexOf('\n')) >= 0) {
      const [idText, codeText] = this.statusBuffer.slice(0, nl).split(' ');
      this.statusBuffer = this.statusBuffer.slice(nl + 1);
      const id = Number(idText);
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      if (p.holdsRef) this.unref();
      p.resolve({ code: Number(codeText), stdout: p.files ? readAndRemove(p.files.out) : '', stderr: p.files ? readAndRemove(p.files.err) : '' });
      if (p.files?.in) rmSync(p.files.in, { force: true });
    }
  }

  private onShellGone(shell: ChildProcess, why: string): void {
    if (this.shell !== shell) return;
    this.shell = undefined;
    this.statusBuffer = '';
    const message = `the agent's fork server (sh) ${why}${this.shellStderr ? `: ${this.shellStderr.trim()}` : ''}`;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.holdsRef) this.unref();
      p.reject(new ForkServerError(message));
    }
  }

  private ref(): void {
    if (this.refs++ === 0 && this.shell) this.refAll(this.shell);
  }

  private unref(): void {
    if (--this.refs === 0 && this.shell) this.unrefAll(this.shell);
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
