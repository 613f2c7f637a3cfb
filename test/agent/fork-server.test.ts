// The agent's fork server: tools run from a long-lived sh, with their exit
// status, stdout, stderr and stdin carried faithfully, concurrent requests
// kept apart, and a dead shell failing what was pending and replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForkServer, ForkServerError } from '../../src/agent/fork-server.js';
import { commandLine, runTool, runTools, ToolError } from '../../src/agent/exec-file.js';

test('fork server: exit status, stdout, stderr, stdin and env of each command', async () => {
  const server = new ForkServer({ ...process.env });
  try {
    const ok = await server.run(commandLine('sh', ['-c', 'echo "out:$0"; echo "err:$X" >&2; cat', 'it\'s'], { X: 'a b' }), { input: 'from stdin' });
    assert.deepEqual(ok, { code: 0, stdout: "out:it's\nfrom stdin", stderr: 'err:a b\n' });
    const failed = await server.run(commandLine('sh', ['-c', 'echo no >&2; exit 7']));
    assert.deepEqual(failed, { code: 7, stdout: '', stderr: 'no\n' });
    const missing = await server.run(commandLine('/nonexistent/tool', []));
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /not found/);
  } finally {
    server.close();
  }
});

test('fork server: concurrent commands finishing out of order get their own results; output files are removed', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'fork-parent-'));
  const server = new ForkServer({ ...process.env }, parent);
  try {
    // Each waits on a marker the next one creates, so they finish in reverse order of submission.
    const dir = mkdtempSync(join(tmpdir(), 'fork-order-'));
    const n = 20;
    const runs = Array.from({ length: n }, (_, i) =>
      server.run(commandLine('sh', ['-c', `while [ ! -e ${dir}/${i + 1} ] && [ ${i} -lt ${n - 1} ]; do sleep 0.01; done; touch ${dir}/${i}; echo ${i}; exit ${i}`])),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => assert.deepEqual(r, { code: i, stdout: `${i}\n`, stderr: '' }));
    rmSync(dir, { recursive: true });
    const [work] = readdirSync(parent);
    assert.ok(work, 'the server made its output directory');
    assert.deepEqual(readdirSync(join(parent, work)), []);
  } finally {
    server.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('fork server: redirected output, and a killed shell fails pending commands and is replaced', async () => {
  const server = new ForkServer({ ...process.env });
  const dir = mkdtempSync(join(tmpdir(), 'fork-redirect-'));
  try {
    const r = await server.run(commandLine('sh', ['-c', 'echo to-file']), { redirect: `1>${dir}/out` });
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'to-file\n');
    // $$ in a job's subshell is the shell's pid, which leads its own process group: killing the group takes the sleep too.
    const shellPid = Number((await server.run('echo $$')).stdout.trim());
    const pending = server.run(commandLine('sleep', ['30']));
    process.kill(-shellPid, 'SIGKILL');
    await assert.rejects(pending, ForkServerError);
    const again = await server.run(commandLine('echo', ['back']));
    assert.equal(again.stdout, 'back\n');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runTool and runTools: a failing step is a ToolError with its stderr; allowFailure resolves', async () => {
  await assert.rejects(runTool('sh', ['-c', 'echo bad >&2; exit 3']), (e: unknown) => e instanceof ToolError && e.exitCode === 3 && /bad/.test(e.message));
  assert.equal((await runTool('sh', ['-c', 'exit 4'], { allowFailure: true })).code, 4);
  await assert.rejects(runTools([['true'], ['sh', '-c', 'echo second >&2; exit 5'], ['sh', '-c', 'echo never']]), (e: unknown) => e instanceof ToolError && e.exitCode === 5 && /second/.test(e.stderr));
  assert.equal((await runTools([['echo', 'a'], ['echo', 'b']]))?.stdout, 'a\nb\n');
});

test('fork server: output directories left by killed processes are removed; a live process\'s are kept', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'fork-stale-'));
  // pid_max is at most 2^22: this pid cannot be running.
  mkdirSync(join(parent, 'k8ts-fork-99999999-dead'));
  mkdirSync(join(parent, `k8ts-fork-${process.pid}-alive`));
  const server = new ForkServer({ ...process.env }, parent);
  try {
    assert.equal((await server.run('true')).code, 0);
    const left = readdirSync(parent);
    assert.ok(!left.includes('k8ts-fork-99999999-dead'), `the dead process's directory is gone: ${left.join(', ')}`);
    assert.ok(left.includes(`k8ts-fork-${process.pid}-alive`));
    assert.equal(left.length, 2, `the server's own directory is there too: ${left.join(', ')}`);
  } finally {
    server.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('fork server: finished jobs are reaped (no zombies pile up); a job already begun reports even when the shell dies', async () => {
  // No grace for "started" lines in flight: the job below has certainly said it began.
  const server = new ForkServer({ ...process.env }, tmpdir(), 0);
  try {
    const shellPid = Number((await server.run('echo $$')).stdout.trim());
    for (let i = 0; i < 100; i++) await server.run(commandLine('true', []));
    // Each new line reaps the jobs finished before it; the last one's job may still be there.
    await server.run(commandLine('true', []));
    const children = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    assert.ok(children.length <= 2, `the shell has ${children.length} children after 102 jobs`);
    // The job waits for a marker, so it has certainly begun (said "+") before the shell is killed.
    const dir = mkdtempSync(join(tmpdir(), 'fork-survive-'));
    const begun = server.run(commandLine('sh', ['-c', `touch ${dir}/begun; while [ ! -e ${dir}/go ]; do sleep 0.01; done; echo finished`]));
    const deadline = Date.now() + 10_000;
    while (!readdirSync(dir).includes('begun') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    process.kill(shellPid, 'SIGKILL');
    // A new shell answering means the old one's exit was handled (and its 0 ms grace has passed).
    let newShell = shellPid;
    while (newShell === shellPid && Date.now() < deadline) newShell = Number((await server.run('echo $$').catch(() => ({ stdout: String(shellPid) }))).stdout.trim());
    assert.notEqual(newShell, shellPid, 'a new shell took over');
    writeFileSync(join(dir, 'go'), '');
    assert.deepEqual(await begun, { code: 0, stdout: 'finished\n', stderr: '' });
    rmSync(dir, { recursive: true, force: true });
  } finally {
    server.close();
  }
});
