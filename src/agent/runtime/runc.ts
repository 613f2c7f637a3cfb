// The runc command line, as the agent uses it: state, kill, delete, list and
// exec. Starting containers goes through the container launcher (a shim
// that outlives the agent).
import { spawn, type ChildProcess } from 'node:child_process';
import { runTool, shellQuote, ToolError } from '../exec-file.js';

export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

export class Runc {
  constructor(
    readonly root: string,
    readonly binary = 'runc',
  ) {}

  args(...rest: string[]): string[] {
    return ['--root', this.root, ...rest];
  }

  async state(id: string): Promise<RuncState | undefined> {
    const r = await runTool(this.binary, this.args('state', id), { allowFailure: true });
    if (r.code !== 0) return undefined;
    return JSON.parse(r.stdout) as RuncState;
  }

  async list(): Promise<RuncState[]> {
    const r = await runTool(this.binary, this.args('list', '--format', 'json'), { allowFailure: true });
    if (r.code !== 0 || !r.stdout.trim() || r.stdout.trim() === 'null') return [];
    return JSON.parse(r.stdout) as RuncState[];
  }

  /** Sends a signal to the container's init; a container already gone is not an error. */
  async kill(id: string, signal: string): Promise<void> {
    const r = await runTool(this.binary, this.args('kill', id, signal), { allowFailure: true });
    if (r.code !== 0 && !/not running|does not exist|container not running|process already finished/.test(r.stderr)) {
      throw new ToolError('runc kill', r.code, r.stdout, r.stderr);
    }
  }

  async delete(id: string): Promise<void> {
    await runTool(this.binary, this.args('delete', '--force', id), { allowFailure: true });
  }

  /**
   * Starts `runc exec` for a command in a running container. With `tty`,
   * runc runs under script(1), which gives it the terminal it needs to set
   * up the container's pty in the foreground.
   */
  exec(id: string, command: string[], opts: { tty: boolean }): ChildProcess {
    const base = this.args('exec', ...(opts.tty ? ['-t'] : []), id, ...command);
    if (!opts.tty) return spawn(this.binary, base, { stdio: ['pipe', 'pipe', 'pipe'] });
    const line = [this.binary, ...base].map(shellQuote).join(' ');
    return spawn('script', ['-q', '-e', '-f', '-c', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' } });
  }
}
