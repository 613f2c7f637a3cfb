// Runs `k8ts agent` as its own process against a server, as a second host would.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export async function startAgentProcess(args: string[], opts: { timeoutMs?: number; compiled?: boolean; nodeArgs?: string[] } = {}): Promise<AgentProcess> {
  const entry = opts.compiled ? [resolve('bin/k8ts.js')] : ['--import', 'tsx', resolve('src/cli/main.ts')];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  try {
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not become ready in time:\n${out}`)), opts.timeoutMs ?? 30_000);
      const check = () => {
        if (out.includes('"msg":"node agent ready"')) {
          clearTimeout(timer);
          resolveReady();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent exited with ${code} before ready:\n${out}`));
      });
    });
  } catch (err) {
    await signal('SIGKILL');
    throw err;
  }
  return { child, output: () => out, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
