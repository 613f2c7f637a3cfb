// Runs a host tool (runc, tar, ip, CNI plugins…) and collects its output;
// a non-zero exit becomes a ToolError carrying stderr, which is what a user
// needs to see in an Event or a status message. Tools start from the
// agent's fork server (see fork-server.ts), not as forks of the agent.
import { ForkServer, type ForkOptions } from './fork-server.js';
import { shellQuote } from './shell-quote.js';

export { shellQuote };

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
  /** Variables set for the tool on top of the agent's environment. */
  env?: Record<string, string>;
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

/** The one fork server of this process, started on first use. */
export const forkServer = new ForkServer(HOST_ENV);

/** A command line for sh: the words quoted, with `env` as assignments before them. */
export function commandLine(command: string, args: string[], env: Record<string, string> = {}): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`), ...[command, ...args].map(shellQuote)].join(' ');
}

export async function runTool(command: string, args: string[], opts: RunToolOptions = {}): Promise<ToolResult> {
  const r = await runShell(commandLine(command, args, opts.env), { input: opts.input });
  if (r.code !== 0 && !opts.allowFailure) throw new ToolError(`${command} ${args.slice(0, 2).join(' ')}`, r.code, r.stdout, r.stderr);
  return r;
}

/** Runs shell text (words already quoted) from the fork server; resolves whatever its exit status. */
export function runShell(script: string, opts: ForkOptions = {}): Promise<ToolResult> {
  return forkServer.run(script, opts);
}

/**
 * Runs commands one after another, stopping at the first that fails (its
 * stderr is the error's): steps that always go together (a container's
 * rootfs mount and its FIFOs) are one request to the fork server.
 */
export async function runTools(commands: string[][]): Promise<ToolResult | undefined> {
  if (commands.length === 0) return undefined;
  const r = await runShell(commands.map(([c, ...args]) => commandLine(c!, args)).join(' && '));
  if (r.code !== 0) throw new ToolError(commands.map((c) => c[0]).join(' && '), r.code, r.stdout, r.stderr);
  return r;
}
