// Content-addressed blobs (manifests, configs, compressed layers) under
// <dir>/sha256/<hex>. A blob is written to a temporary file while its digest
// is computed and only renamed into place when the digest matches, so a
// half-written or corrupted download is never mistaken for content.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';

export class DigestMismatchError extends Error {}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestHex(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new Error(`unsupported digest "${digest}"`);
  return m[1]!;
}

export class BlobStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'sha256'), { recursive: true });
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  path(digest: string): string {
    return join(this.dir, 'sha256', digestHex(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  /** Stores bytes whose digest must be `expected` (when given); returns the digest. */
  put(data: Buffer, expected?: string): string {
    const digest = sha256Digest(data);
    if (expected && expected !== digest) throw new DigestMismatchError(`digest mismatch: expected ${expected}, got ${digest}`);
    if (!this.has(digest)) {
      const tmp = this.tempPath();
      writeFileSync(tmp, data);
      renameSync(tmp, this.path(digest));
    }
    return digest;
  }

  /** Streams a blob in, verifying it; `onBytes` reports progress. */
  async putStream(source: Readable, expected: string, onBytes?: (n: number) => void): Promise<void> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        onBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp));
      const digest = `sha256:${hash.digest('hex')}`;
      if (digest !== expected) throw new DigestMismatchError(`digest mismatch: expected ${expected}, got ${digest}`);
      renameSync(tmp, this.path(expected));
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  remove(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  private tempPath(): string {
    return join(this.dir, 'tmp', randomBytes(8).toString('hex'));
  }
}
