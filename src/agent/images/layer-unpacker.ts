// Unpacks a layer tarball into its own directory, as one overlayfs lower
// layer: decompress (gzip in-process, zstd through the zstd tool, as Node 20
// has no zstd), compute the diff ID over the uncompressed bytes, extract
// with GNU tar (owners, modes, xattrs), then turn OCI whiteouts into
// overlayfs ones: ".wh.name" becomes a 0/0 character device named "name",
// ".wh..wh..opq" marks its directory opaque with trusted.overlay.opaque.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { runTool } from '../exec-file.js';
import type { Compression } from './manifest.js';

const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';

/** Sniffs the compression of a layer from its first bytes (for imported archives). */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/**
 * Extracts `source` (compressed as `compression`) into `target`, which must
 * not exist yet; returns the diff ID (sha256 of the uncompressed tar).
 */
export async function unpackLayer(source: Readable, compression: Compression, target: string): Promise<string> {
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const tar = spawn('tar', ['-x', '-v', '-f', '-', '-C', staging, '--numeric-owner', '--same-owner', '-p', '--xattrs', '--xattrs-include=*', '--no-same-permissions', '--delay-directory-restore'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // tar -v lists each member; whiteouts are found without walking the tree.
  let listing = '';
  let stderr = '';
  tar.stdout.on('data', (d: Buffer) => (listing += d.toString()));
  tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed to unpack a layer: ${stderr.trim()}`))));
  });
  try {
    if (compression === 'zstd') {
      const zstd = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let zerr = '';
      zstd.stderr.on('data', (d: Buffer) => (zerr += d.toString()));
      const zDone = new Promise<void>((resolve, reject) => {
        zstd.on('error', (e) => reject(new Error(`cannot run zstd to decompress a layer: ${e.message}`)));
        zstd.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd failed: ${zerr.trim()}`))));
      });
      await Promise.all([pipeline(source, zstd.stdin), pipeline(zstd.stdout, hasher, tar.stdin), zDone, tarDone]);
    } else {
      if (compression === 'gzip') await Promise.all([pipeline(source, createGunzip(), hasher, tar.stdin), tarDone]);
      else await Promise.all([pipeline(source, hasher, tar.stdin), tarDone]);
    }
    await applyWhiteouts(staging, listing.split('\n'));
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (err) {
    tar.kill('SIGKILL');
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return `sha256:${hash.digest('hex')}`;
}

async function applyWhiteouts(root: string, members: string[]): Promise<void> {
  for (const raw of members) {
    const member = raw.replace(/^\.\//, '').replace(/\/$/, '');
    const name = basename(member);
    if (!name.startsWith(WHITEOUT_PREFIX)) continue;
    const path = join(root, member);
    rmSync(path, { force: true });
    if (name === OPAQUE_MARKER) {
      await runTool('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dirname(path)]);
    } else {
      const hidden = join(dirname(path), name.slice(WHITEOUT_PREFIX.length));
      rmSync(hidden, { recursive: true, force: true });
      await runTool('mknod', [hidden, 'c', '0', '0']);
    }
  }
}

/** Unpacks a layer blob file. */
export function unpackLayerFile(file: string, compression: Compression, target: string): Promise<string> {
  return unpackLayer(createReadStream(file), compression, target);
}

