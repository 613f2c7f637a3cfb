// isNamespaceMount: the cheap check each pod sync makes that its namespaces are still pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNamespaceMount } from '../../src/agent/runtime/pod-namespaces.js';
import { run } from '../e2e/harness.js';

test('a namespace file counts as pinned only while a namespace is bind-mounted on it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ns-'));
  const file = join(dir, 'net');
  writeFileSync(file, '');
  try {
    assert.equal(isNamespaceMount(file), false, 'placeholder file');
    assert.equal(isNamespaceMount(join(dir, 'missing')), false, 'missing file');
    assert.equal((await run('mount', ['--bind', '/proc/self/ns/net', file])).code, 0);
    assert.equal(isNamespaceMount(file), true, 'bind-mounted namespace');
    assert.equal((await run('umount', [file])).code, 0);
    assert.equal(isNamespaceMount(file), false, 'after unmount');
  } finally {
    await run('umount', ['-l', file]);
    rmSync(dir, { recursive: true, force: true });
  }
});
