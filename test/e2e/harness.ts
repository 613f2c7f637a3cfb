// End-to-end harness: runs `k8ts server` as a real process on a free port
// with a temporary data dir, and drives it with the real kubectl.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:https';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const CLI = resolve('src/cli/main.ts');

export interface ServerProcess {
  url: string;
  dataDir: string;
  kubeconfig: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function tempDir(prefix = 'k8ts-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(opts: { dataDir?: string; port?: number; extraArgs?: string[]; timeoutMs?: number; compiled?: boolean } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  // `compiled` runs bin/k8ts.js on dist/ as users do (benchmarks); tests run the TypeScript through tsx.
  const entry = opts.compiled ? [resolve('bin/k8ts.js')] : ['--import', 'tsx', CLI];
  const child = spawn(process.execPath, [...entry, 'server', '--data-dir', dataDir, '--port', String(opts.port ?? 0), ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not become ready in time:\n${out}`)), opts.timeoutMs ?? 30_000);
    const check = () => {
      const match = /"msg":"k8ts server ready","url":"([^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before ready:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    url,
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    // A tool that exits before reading its stdin (mount, umount) closes the pipe:
    // the EPIPE that follows is not the tool's failure, its exit code says that.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** A kubectl bound to one server, with its own discovery cache dir. */
export class Kubectl {
  readonly cacheDir = tempDir('k8ts-kubecache-');

  constructor(readonly kubeconfig: string) {}

  run(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(KUBECTL, ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args], opts);
  }

  /** Runs and asserts success, returning stdout. */
  async ok(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Runs and asserts failure, returning stderr. */
  async fails(args: string[], opts: { input?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code === 0) throw new Error(`kubectl ${args.join(' ')} unexpectedly succeeded:\n${r.stdout}`);
    return r.stderr;
  }

  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }

  cleanup(): void {
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

/** The admin bearer token a server wrote into its data dir. */
export function adminToken(dataDir: string): string {
  return readFileSync(join(dataDir, 'pki', 'admin.token'), 'utf8').trim();
}

/** A `k8ts server` process with the real kubectl and the admin token: what a suite's before() starts. */
export interface KubectlSession {
  server: ServerProcess;
  k: Kubectl;
  token: string;
}

export async function startKubectlSession(): Promise<KubectlSession> {
  const server = await startServer();
  return { server, k: new Kubectl(server.kubeconfig), token: adminToken(server.dataDir) };
}

/** Stops whatever of a session did start (its before() may have failed midway) and removes its data dir and `scratchDirs`. */
export async function stopKubectlSession(s: Partial<KubectlSession>, ...scratchDirs: string[]): Promise<void> {
  await s.server?.stop();
  s.k?.cleanup();
  for (const dir of scratchDirs) removeDir(dir);
  if (s.server) removeDir(s.server.dataDir);
}

/** Raw HTTPS against the server with the admin token (for what kubectl can't send). */
export function rawRequest(server: { url: string }, token: string | null, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolveReq, reject) => {
    const u = new URL(path, server.url);
    const req = request(u, {
      method,
      rejectUnauthorized: false,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}), ...headers },
    }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolveReq({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
