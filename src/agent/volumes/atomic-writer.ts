// Writes a set of files into a volume directory the way the kubelet's
// AtomicWriter does: the files live in a timestamped directory, "..data"
// points at it, and the visible names are links through "..data". Swapping
// the "..data" link updates every file at once, so a configMap or secret
// volume changes in place without a reader ever seeing a mix.
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}

const DATA_LINK = '..data';

/** Returns whether anything changed. */
export function writeAtomically(dir: string, files: VolumeFile[], nowMs: number = Date.now()): boolean {
  mkdirSync(dir, { recursive: true });
  if (sameContent(dir, files)) return false;
  const tsDir = `..${new Date(nowMs).toISOString().replace(/[:.]/g, '_')}.${Math.random().toString(36).slice(2, 8)}`;
  for (const f of files) {
    const target = join(dir, tsDir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.mode });
  }
  mkdirSync(join(dir, tsDir), { recursive: true });
  const old = existsSync(join(dir, DATA_LINK)) ? readlinkSync(join(dir, DATA_LINK)) : undefined;
  symlinkSync(tsDir, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, DATA_LINK));
  const visible = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const name of visible) {
    if (!existsSync(join(dir, name))) symlinkSync(join(DATA_LINK, name), join(dir, name));
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..')) continue;
    if (!visible.has(entry)) rmSync(join(dir, entry), { force: true, recursive: true });
  }
  if (old) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}

function sameContent(dir: string, files: VolumeFile[]): boolean {
  if (!existsSync(join(dir, DATA_LINK))) return false;
  const data = join(dir, DATA_LINK);
  const current = listFiles(data, '');
  if (current.length !== files.length) return false;
  for (const f of files) {
    const p = join(data, f.path);
    if (!existsSync(p) || !readFileSync(p).equals(f.content)) return false;
  }
  return true;
}

function listFiles(root: string, prefix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out;
}
