// isNamespaceMount: the cheap check each pod sync makes that its namespaces are still pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNamespaceMount } from '../../src/agent/runtime/pod-namespaces.js';
import { run } from '../e2e/harness.js';

/** The filesystem type statfs reports, for failure messages (nsfs is 0x6e736673). */
function fsType(path: string): string {
  try {
    return `statfs type 0x${statfsSync(path).type.toString(16)}`;
  } catch (e) {
    return String(e);
  }
}

test('a namespace file counts as pinned only while a namespace is bind-mounted on it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ns-'));
  const file = join(dir, 'net');
  writeFileSync(file, '');
  try {
    assert.equal(isNamespaceMount(file), false, `placeholder file: ${fsType(file)}`);
    assert.equal(isNamespaceMount(join(dir, 'missing')), false, 'missing file');
    assert.equal((await run('mount', ['--bind', '/proc/self/ns/net', file])).code, 0);
    assert.equal(isNamespaceMount(file), true, `bind-mounted namespace: ${fsType(file)}`);
    assert.equal((await run('umount', [file])).code, 0);
    assert.equal(isNamespaceMount(file), false, `after unmount: ${fsType(file)}`);
  } finally {
    await run('umount', ['-l', file]);
    rmSync(dir, { recursive: true, force: true });
  }
});
