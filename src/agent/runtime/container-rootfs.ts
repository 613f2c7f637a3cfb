// A container's root filesystem: overlayfs with the image's unpacked layers
// as read-only lower dirs and a per-container upper dir for its writes.
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { runTool, runTools } from '../exec-file.js';
import { isMountPoint } from './pod-namespaces.js';

/** Mounts the container's root (unless it is) and makes `fifos`, in one process (see runTools). */
export async function mountRootfs(bundleDir: string, lowerDirs: string[], fifos: string[] = []): Promise<string> {
  const rootfs = join(bundleDir, 'rootfs');
  const upper = join(bundleDir, 'upper');
  const work = join(bundleDir, 'work');
  for (const d of [rootfs, upper, work]) mkdirSync(d, { recursive: true });
  const steps: string[][] = [];
  if (!isRootfsMounted(rootfs)) {
    // overlayfs needs at least one lower dir; an image without layers gets an empty one.
    const lowers = lowerDirs.length ? lowerDirs : [mkdirEmpty(join(bundleDir, 'empty'))];
    steps.push(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`, rootfs]);
  }
  if (fifos.length) steps.push(['mkfifo', '-m', '600', ...fifos]);
  await runTools(steps);
  return rootfs;
}

function mkdirEmpty(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

const OVERLAYFS_MAGIC = 0x794c7630;

/**
 * Whether the overlay is mounted at `rootfs`. Every container start and
 * removal asks, and /proc/self/mountinfo grows by four lines a pod, so
 * statfs answers first: a directory that is not on overlayfs has no overlay
 * mounted on it. Only an overlayfs answer (mounted, or the data dir itself
 * lies on overlayfs) needs mountinfo.
 */
function isRootfsMounted(rootfs: string): boolean {
  try {
    if (statfsSync(rootfs).type !== OVERLAYFS_MAGIC) return false;
  } catch {
    return false;
  }
  return isMountPoint(rootfs);
}

export async function unmountRootfs(bundleDir: string): Promise<void> {
  const rootfs = join(bundleDir, 'rootfs');
  if (isRootfsMounted(rootfs)) await runTool('umount', ['-l', rootfs], { allowFailure: true });
}

export async function removeBundle(bundleDir: string): Promise<void> {
  if (!existsSync(bundleDir)) return;
  await unmountRootfs(bundleDir);
  rmSync(bundleDir, { recursive: true, force: true });
}
