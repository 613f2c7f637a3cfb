// A container's root filesystem: overlayfs with the image's unpacked layers
// as read-only lower dirs and a per-container upper dir for its writes.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../exec-file.js';
import { isMountPoint } from './pod-namespaces.js';

export async function mountRootfs(bundleDir: string, lowerDirs: string[]): Promise<string> {
  const rootfs = join(bundleDir, 'rootfs');
  const upper = join(bundleDir, 'upper');
  const work = join(bundleDir, 'work');
  for (const d of [rootfs, upper, work]) mkdirSync(d, { recursive: true });
  if (isMountPoint(rootfs)) return rootfs;
  // overlayfs needs at least one lower dir; an image without layers gets an empty one.
  const lowers = lowerDirs.length ? lowerDirs : [mkdirEmpty(join(bundleDir, 'empty'))];
  await runTool('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`, rootfs]);
  return rootfs;
}

function mkdirEmpty(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function unmountRootfs(bundleDir: string): Promise<void> {
  const rootfs = join(bundleDir, 'rootfs');
  if (isMountPoint(rootfs)) await runTool('umount', ['-l', rootfs], { allowFailure: true });
}

export async function removeBundle(bundleDir: string): Promise<void> {
  await unmountRootfs(bundleDir);
  rmSync(bundleDir, { recursive: true, force: true });
}
