// The data dir holds everything a server keeps: the SQLite store, the PKI,
// the admin token and kubeconfig. One server owns it at a time.
import { accessSync, constants, closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class StartupError extends Error {}

export interface DataDir {
  path: string;
  storePath: string;
  pkiDir: string;
  kubeconfigPath: string;
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens (creating if needed) the data dir and takes its lock; failures are one-line StartupErrors. */
export function openDataDir(dir: string): DataDir {
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(`data dir ${path} is not usable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lockPath = join(path, 'server.lock');
  if (existsSync(lockPath)) {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    if (pid && pid !== process.pid && processAlive(pid)) {
      throw new StartupError(`data dir ${path} is in use by another k8ts server (pid ${pid})`);
    }
    unlinkSync(lockPath);
  }
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (err) {
    throw new StartupError(`data dir ${path}: cannot take the lock: ${(err as NodeJS.ErrnoException).code}`);
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  return {
    path,
    storePath: join(path, 'store.db'),
    pkiDir: join(path, 'pki'),
    kubeconfigPath: join(path, 'admin.kubeconfig'),
    release() {
      try {
        if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
      } catch {
        // already gone
      }
    },
  };
}
