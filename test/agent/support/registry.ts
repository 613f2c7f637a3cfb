// A real OCI registry for agent tests: Debian's docker-registry on a
// loopback port with its storage in a temp dir, optionally behind htpasswd,
// and a tiny busybox image built with umoci and pushed with skopeo.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from '../../e2e/harness.js';

export const BUSYBOX = '/bin/busybox';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  host: string;
  stop(): Promise<void>;
}

export async function startRegistry(opts: { htpasswd?: { user: string; bcryptHash: string } } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-registry-'));
  const port = await freePort();
  const auth = opts.htpasswd
    ? `auth:\n  htpasswd:\n    realm: k8ts-test\n    path: ${join(dir, 'htpasswd')}\n`
    : '';
  if (opts.htpasswd) writeFileSync(join(dir, 'htpasswd'), `${opts.htpasswd.user}:${opts.htpasswd.bcryptHash}\n`);
  writeFileSync(join(dir, 'config.yml'), `version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('registry to listen', async () => {
      if (child.exitCode !== null) throw new Error(`registry exited: ${stderr}`);
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      return res.status === 200 || res.status === 401;
    }, 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, stop };
}

/**
 * Builds a busybox OCI image layout (one layer: busybox-static and its
 * applet links) with umoci; returns the layout dir (image tag "latest").
 */
export async function buildBusyboxLayout(workDir: string, cmd: string[] = ['sh']): Promise<string> {
  const layout = join(workDir, 'layout');
  const bundle = join(workDir, 'bundle');
  await must('umoci', ['init', '--layout', layout]);
  await must('umoci', ['new', '--image', `${layout}:latest`]);
  await must('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/www']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  cpSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  const list = await must(BUSYBOX, ['--list']);
  for (const applet of list.split('\n').filter(Boolean)) {
    if (applet !== 'busybox' && !existsSync(join(rootfs, 'bin', applet))) symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  await must('umoci', ['repack', '--image', `${layout}:latest`, bundle]);
  await must('umoci', ['config', '--image', `${layout}:latest`, '--config.env', 'PATH=/bin', ...cmd.flatMap((c) => ['--config.cmd', c])]);
  rmSync(bundle, { recursive: true, force: true });
  return layout;
}

/** Pushes an OCI layout to the registry as repo:tag (zstd layers when asked). */
export async function pushLayout(layout: string, registry: string, repoTag: string, opts: { creds?: string; zstd?: boolean } = {}): Promise<void> {
  await must('skopeo', ['copy', '--insecure-policy', '--dest-tls-verify=false', ...(opts.creds ? ['--dest-creds', opts.creds] : []),
    ...(opts.zstd ? ['--dest-compress-format', 'zstd', '--dest-compress'] : []),
    `oci:${layout}:latest`, `docker://${registry}/${repoTag}`]);
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
