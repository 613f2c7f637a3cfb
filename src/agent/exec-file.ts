// Runs a host tool (runc, tar, ip, CNI plugins…) and collects its output;
// a non-zero exit becomes a ToolError carrying stderr, which is what a user
// needs to see in an Event or a status message.
import { spawn, type SpawnOptions } from 'node:child_process';

export class ToolError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode}): ${(stderr || stdout).trim().slice(0, 2000)}`);
    this.name = 'ToolError';
  }
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunToolOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

/**
 * The agent's environment as a plain object, for the tools it runs. Given
 * process.env, spawn() reads every variable through getenv(3), which scans
 * the whole environment each time: quadratic in its size, and 6% of the
 * agent's CPU while it started 100 pods. The agent does not change its
 * environment after startup.
 */
export const HOST_ENV: NodeJS.ProcessEnv = { ...process.env };

export function runTool(command: string, args: string[], opts: RunToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? HOST_ENV, cwd: opts.cwd };
    const child = spawn(command, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new ToolError(`${command} ${args[0] ?? ''}`, null, '', e.message)));
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code };
      if (code !== 0 && !opts.allowFailure) reject(new ToolError(`${command} ${args.slice(0, 2).join(' ')}`, code, result.stdout, result.stderr));
      else resolve(result);
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input ?? '');
  });
}

/**
 * Runs commands one after another in one sh, stopping at the first that
 * fails (its stderr is the error's). Every tool the agent runs is a fork of
 * the whole agent, which blocks its event loop until the child has exec'd;
 * steps that always go together (a container's rootfs mount and its FIFOs)
 * cost one such fork instead of one each.
 */
export function runTools(commands: string[][]): Promise<ToolResult | undefined> {
  if (commands.length === 0) return Promise.resolve(undefined);
  if (commands.length === 1) return runTool(commands[0]![0]!, commands[0]!.slice(1));
  return runTool('sh', ['-c', commands.map((c) => c.map(shellQuote).join(' ')).join(' && ')]);
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
