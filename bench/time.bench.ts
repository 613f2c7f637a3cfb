// Timing wheel vs Node's setTimeout vs croner's own timers.
//
//   npm run bench:time      (node --expose-gc --import tsx bench/time.bench.ts)
//
// Three parts, one table:
//  1. 1,000,000 timers due in 1-60 s: schedule and cancel rates, and memory per pending
//     timer (global.gc() then process.memoryUsage() before and after scheduling). The table
//     shows the V8 heap alone and heap + ArrayBuffers: the wheel keeps most of its state in
//     typed arrays, whose backing stores V8 counts outside heapUsed, so only the second row
//     is the honest total. Every contender delivers the same thing: a shared callback called
//     with a per-timer number (wheel.schedule(d, fn, i), setTimeout(fn, d, i), croner's
//     context option). setTimeout without a payload is printed below the table.
//  2. Firing error (actual - deadline) of 100,000 timers due within 5 s on the real clock.
//     Tail latency on a shared machine is at the mercy of other processes, so each contender
//     runs FIRING_ROUNDS rounds, interleaved, and the table shows the round with the median
//     p99 (every round's p99 is printed below the table).
//  3. 100,000 cron schedules that all fire on the same second: memory per schedule and the
//     error of that first fire; plus agreement of next-fire times with croner's nextRun.
//
// croner allocates ~83 KB per job (its parsed pattern includes a 10,000-entry year table)
// and creates a few thousand jobs per second, so 100,000 (or 1,000,000) croner jobs would
// need gigabytes and minutes. Its columns are measured on CRONER_SAMPLE jobs instead, and
// per-timer figures are reported as such.

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Cron } from 'croner';
import { TimingWheel } from '../src/time/timing-wheel.js';
import { CronScheduler, parseCronSchedule } from '../src/time/cron.js';
import { seededRandom } from '../test/time/support/seeded-random.js';

const BULK_TIMERS = 1_000_000;
const FIRING_TIMERS = 100_000;
const CRON_SCHEDULES = 100_000;
const CRONER_SAMPLE = 2_000;
const FIRING_WINDOW_MS = 5_000;
const FIRING_ROUNDS = 3;
/** Deadlines start this far out, so that scheduling itself does not delay the first firings. */
const FIRING_LEAD_MS = 200;
const GIVE_UP_MS = 20_000;

const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (collectGarbage === undefined) {
  console.error('run with --expose-gc (npm run bench:time)');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------
// Measurement helpers

interface MemorySample {
  heap: number;
  heapAndBuffers: number;
}

function settledMemory(): MemorySample {
  for (let i = 0; i < 3; i++) collectGarbage!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, heapAndBuffers: usage.heapUsed + usage.arrayBuffers };
}

function bytesPerItem(before: MemorySample, after: MemorySample, count: number): MemorySample {
  return { heap: (after.heap - before.heap) / count, heapAndBuffers: (after.heapAndBuffers - before.heapAndBuffers) / count };
}

function opsPerSecond(count: number, startMs: number): number {
  return count / ((performance.now() - startMs) / 1000);
}

/** A high-resolution wall clock, so cron firing errors are not rounded to whole ms. */
function preciseWallMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  min: number;
  fired: number;
}

/** Error percentiles over the timers that fired (NaN marks one that never did). */
function percentiles(samples: Float64Array): Percentiles {
  const sorted = samples.filter((x) => !Number.isNaN(x)).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], min: sorted[0], fired: sorted.length };
}

/** The round whose p99 is the median of all rounds. */
function medianRound(rounds: Percentiles[]): Percentiles {
  return [...rounds].sort((a, b) => a.p99 - b.p99)[Math.floor(rounds.length / 2)];
}

/** Whole-millisecond delays, uniformly spread over [fromMs, toMs). */
function spreadDelays(count: number, fromMs: number, toMs: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: count }, () => fromMs + Math.floor(random() * (toMs - fromMs)));
}

/** Resolves once `expected` firings were counted, or after GIVE_UP_MS (keeps the process alive meanwhile). */
function firingLatch(expected: number): { fired: () => void; done: Promise<number> } {
  let count = 0;
  let finish: (count: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const giveUp = setTimeout(() => finish(count), GIVE_UP_MS);
  return {
    fired: () => {
      if (++count === expected) {
        clearTimeout(giveUp);
        finish(count);
      }
    },
    done,
  };
}

function noop(): void {}
function noopWithPayload(_payload: number): void {}

// ---------------------------------------------------------------------------------------
// 1. Bulk schedule / cancel / memory

interface BulkResult {
  count: number;
  scheduleOpsPerSec: number;
  cancelOpsPerSec: number;
  bytesPerTimer: MemorySample;
}

function bulkWheel(delays: Float64Array): BulkResult {
  const count = delays.length;
  const handles = new Float64Array(count);
  const before = settledMemory();
  const wheel = new TimingWheel();
  const scheduleStart = performance.now();
  for (let i = 0; i < count; i++) handles[i] = wheel.schedule(delays[i], noop, i);
  const scheduleOpsPerSec = opsPerSecond(count, scheduleStart);
  const bytesPerTimer = bytesPerItem(before, settledMemory(), count);
  const cancelStart = performance.now();
  for (let i = 0; i < count; i++) wheel.cancel(handles[i]);
  const cancelOpsPerSec = opsPerSecond(count, cancelStart);
  wheel.close();
  return { count, scheduleOpsPerSec, cancelOpsPerSec, bytesPerTimer };
}

function bulkSetTimeout(delays: Float64Array, withPayload: boolean): BulkResult {
  const count = delays.length;
  const handles: Array<NodeJS.Timeout | undefined> = new Array(count).fill(undefined);
  const before = settledMemory();
  const scheduleStart = performance.now();
  if (withPayload) for (let i = 0; i < count; i++) handles[i] = setTimeout(noopWithPayload, delays[i], i);
  else for (let i = 0; i < count; i++) handles[i] = setTimeout(noop, delays[i]);
  const scheduleOpsPerSec = opsPerSecond(count, scheduleStart);
  const bytesPerTimer = bytesPerItem(before, settledMemory(), count);
  const cancelStart = performance.now();
  for (let i = 0; i < count; i++) clearTimeout(handles[i]);
  const cancelOpsPerSec = opsPerSecond(count, cancelStart);
  return { count, scheduleOpsPerSec, cancelOpsPerSec, bytesPerTimer };
}

function bulkCroner(delays: Float64Array): BulkResult {
  const count = delays.length;
  const jobs: Array<Cron<number> | undefined> = new Array(count).fill(undefined);
  const before = settledMemory();
  const scheduleStart = performance.now();
  for (let i = 0; i < count; i++) jobs[i] = new Cron(new Date(Date.now() + delays[i]), { unref: true, context: i }, noop);
  const scheduleOpsPerSec = opsPerSecond(count, scheduleStart);
  const bytesPerTimer = bytesPerItem(before, settledMemory(), count);
  const cancelStart = performance.now();
  for (let i = 0; i < count; i++) jobs[i]?.stop();
  const cancelOpsPerSec = opsPerSecond(count, cancelStart);
  return { count, scheduleOpsPerSec, cancelOpsPerSec, bytesPerTimer };
}

// ---------------------------------------------------------------------------------------
// 2. Firing error on the real clock

/** How one contender arms a timer, and on which clock its deadline and error are measured. */
interface FiringSubject {
  now(): number;
  deadlineFor(delayMs: number): number;
  arm(delayMs: number, deadline: number, onFire: (i: number) => void, i: number): void;
}

async function firingErrors(delays: Float64Array, subject: FiringSubject): Promise<Float64Array> {
  const count = delays.length;
  const deadlines = new Float64Array(count);
  const errors = new Float64Array(count).fill(NaN); // NaN: never fired
  settledMemory(); // start without garbage from earlier parts, so no collector pause lands in the window
  const latch = firingLatch(count);
  const onFire = (i: number): void => {
    errors[i] = subject.now() - deadlines[i];
    latch.fired();
  };
  for (let i = 0; i < count; i++) {
    deadlines[i] = subject.deadlineFor(delays[i]);
    subject.arm(delays[i], deadlines[i], onFire, i);
  }
  await latch.done;
  return errors;
}

async function firingErrorWheel(delays: Float64Array): Promise<Float64Array> {
  const wheel = new TimingWheel({ tickMs: 1 });
  const errors = await firingErrors(delays, {
    now: () => performance.now(),
    deadlineFor: (delayMs) => performance.now() + delayMs,
    arm: (delayMs, _deadline, onFire, i) => wheel.schedule(delayMs, onFire, i),
  });
  wheel.close();
  return errors;
}

function firingErrorSetTimeout(delays: Float64Array): Promise<Float64Array> {
  return firingErrors(delays, {
    now: () => performance.now(),
    deadlineFor: (delayMs) => performance.now() + delayMs,
    arm: (delayMs, _deadline, onFire, i) => setTimeout(onFire, delayMs, i),
  });
}

function firingErrorCroner(delays: Float64Array): Promise<Float64Array> {
  const onCronerFire = (_job: Cron<{ onFire: (i: number) => void; i: number }>, context: { onFire: (i: number) => void; i: number }): void =>
    context.onFire(context.i);
  return firingErrors(delays, {
    now: preciseWallMs,
    // Whole ms: a Date cannot hold a fraction, and croner should not be blamed for rounding.
    deadlineFor: (delayMs) => Math.ceil(preciseWallMs() + delayMs),
    arm: (_delayMs, deadline, onFire, i) => new Cron(new Date(deadline), { unref: true, context: { onFire, i } }, onCronerFire),
  });
}

// ---------------------------------------------------------------------------------------
// 3. Cron schedules: memory and first-fire error

interface CronResult {
  count: number;
  bytesPerSchedule: MemorySample;
  errors: Float64Array;
}

/** A second-of-minute far enough ahead that creating every schedule finishes first. */
function commonFireSecond(leadMs: number): { fireAtMs: number; pattern: string } {
  const fireAtMs = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  return { fireAtMs, pattern: `${new Date(fireAtMs).getUTCSeconds()} * * * * *` };
}

async function cronWheel(count: number): Promise<CronResult> {
  const errors = new Float64Array(count).fill(NaN); // NaN: never fired
  const latch = firingLatch(count);
  const entries: Array<{ stop(): void } | undefined> = new Array(count).fill(undefined);
  const { fireAtMs, pattern } = commonFireSecond(2_000);
  const before = settledMemory();
  const scheduler = new CronScheduler({ wheel: new TimingWheel() });
  const schedule = parseCronSchedule(pattern, { withSeconds: true, timeZone: 'UTC' });
  const onRun = (scheduledWallMs: number, i: number): void => {
    errors[i] = preciseWallMs() - scheduledWallMs;
    entries[i]?.stop();
    latch.fired();
  };
  for (let i = 0; i < count; i++) entries[i] = scheduler.add(schedule, onRun, i);
  warnIfLate('wheel cron schedules', fireAtMs);
  const bytesPerSchedule = bytesPerItem(before, settledMemory(), count);
  await latch.done;
  scheduler.wheel.close();
  return { count, bytesPerSchedule, errors };
}

async function cronCroner(count: number): Promise<CronResult> {
  const errors = new Float64Array(count).fill(NaN); // NaN: never fired
  const latch = firingLatch(count);
  const jobs: Array<Cron<number> | undefined> = new Array(count).fill(undefined);
  const { fireAtMs, pattern } = commonFireSecond(2_000);
  const onRun = (job: Cron<number>, i: number): void => {
    errors[i] = preciseWallMs() - fireAtMs;
    job.stop();
    latch.fired();
  };
  const before = settledMemory();
  for (let i = 0; i < count; i++) jobs[i] = new Cron(pattern, { unref: true, timezone: 'UTC', context: i }, onRun);
  warnIfLate('croner jobs', fireAtMs);
  const bytesPerSchedule = bytesPerItem(before, settledMemory(), count);
  await latch.done;
  return { count, bytesPerSchedule, errors };
}

function warnIfLate(what: string, fireAtMs: number): void {
  if (Date.now() >= fireAtMs) console.error(`warning: creating the ${what} took past their fire time; errors include creation`);
}

/** Compares our next-fire times with a fresh croner's nextRun over many expressions, zones and dates. */
function nextFireAgreement(samples: number): { mismatches: number; oursPerSec: number; cronerPerSec: number } {
  const expressions = ['*/5 * * * *', '30 2 * * *', '0 * * * *', '15 9 * * 1-5', '@daily', '0 0 1 * *'];
  const zones = ['UTC', 'America/New_York', 'Europe/Berlin'];
  const random = seededRandom(3);
  const from = Date.parse('2024-01-01T00:00:00Z');
  const cases = Array.from({ length: samples }, (_, i) => ({
    expression: expressions[i % expressions.length],
    timeZone: zones[i % zones.length],
    atMs: from + Math.floor(random() * 2 * 365 * 86_400_000),
  }));
  const ours = new Float64Array(samples);
  let start = performance.now();
  cases.forEach((c, i) => {
    ours[i] = parseCronSchedule(c.expression, { timeZone: c.timeZone }).nextAfter(c.atMs) ?? NaN;
  });
  const oursPerSec = opsPerSecond(samples, start);
  const references = new Map<string, Cron>();
  const reference = (c: (typeof cases)[number]): Cron => {
    const key = `${c.timeZone} ${c.expression}`;
    let cron = references.get(key);
    if (cron === undefined) references.set(key, (cron = new Cron(c.expression, { timezone: c.timeZone, mode: '5-part' })));
    return cron;
  };
  let mismatches = 0;
  start = performance.now();
  cases.forEach((c, i) => {
    if ((reference(c).nextRun(new Date(c.atMs))?.getTime() ?? NaN) !== ours[i]) mismatches++;
  });
  return { mismatches, oursPerSec, cronerPerSec: opsPerSecond(samples, start) };
}

// ---------------------------------------------------------------------------------------
// Report

type Better = 'higher' | 'lower';

interface Row {
  metric: string;
  wheel: number;
  setTimeout: number | null;
  croner: number | null;
  better: Better;
  unit: string;
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return '-';
  if (unit === 'ops/s') return `${(value / 1e6).toFixed(2)} M/s`;
  if (unit === 'ms') return `${value.toFixed(2)} ms`;
  if (unit === 'B') return value >= 10_000 ? `${(value / 1024).toFixed(1)} KiB` : `${value.toFixed(1)} B`;
  return value.toLocaleString();
}

/** How many times better the wheel is (>1: the wheel wins, <1: the other side wins). */
function advantage(wheel: number, other: number | null, better: Better, unit: string): string {
  if (other === null || unit === 'count') return '-';
  // Errors can be ~0 or negative; compare magnitudes with a floor so ratios stay meaningful.
  const floor = 0.01;
  const a = Math.max(Math.abs(wheel), floor);
  const b = Math.max(Math.abs(other), floor);
  const ratio = better === 'higher' ? a / b : b / a;
  return `${ratio.toFixed(ratio >= 100 ? 0 : 2)}x${ratio < 1 ? ' (worse)' : ''}`;
}

function printTable(rows: Row[]): void {
  const header = ['metric', 'wheel', 'setTimeout', 'croner', 'ratio vs setTimeout', 'ratio vs croner'];
  const lines = rows.map((r) => [
    r.metric,
    formatValue(r.wheel, r.unit),
    formatValue(r.setTimeout, r.unit),
    formatValue(r.croner, r.unit),
    advantage(r.wheel, r.setTimeout, r.better, r.unit),
    advantage(r.wheel, r.croner, r.better, r.unit),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(render(line));
}

function errorRows(label: string, wheel: Percentiles, setTimeoutErrors: Percentiles | null, croner: Percentiles | null): Row[] {
  const rows: Row[] = (['p50', 'p99', 'max', 'min'] as const).map((key) => ({
    metric: `${label} ${key}${key === 'min' ? ' (<0 = early)' : ''}`,
    wheel: wheel[key],
    setTimeout: setTimeoutErrors?.[key] ?? null,
    croner: croner?.[key] ?? null,
    better: 'lower' as const,
    unit: 'ms',
  }));
  rows.push({ metric: `${label}: timers fired`, wheel: wheel.fired, setTimeout: setTimeoutErrors?.fired ?? null, croner: croner?.fired ?? null, better: 'higher', unit: 'count' });
  return rows;
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const loadAtStart = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const log = (message: string): void => console.error(`[${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${message}`);

  log(`1. ${BULK_TIMERS.toLocaleString()} timers due in 1-60 s (croner: ${CRONER_SAMPLE.toLocaleString()})`);
  const bulkDelays = spreadDelays(BULK_TIMERS, 1_000, 60_000, 1);
  const bulk = {
    wheel: bulkWheel(bulkDelays),
    setTimeout: bulkSetTimeout(bulkDelays, true),
    croner: bulkCroner(bulkDelays.subarray(0, CRONER_SAMPLE)),
  };
  const setTimeoutWithoutPayload = bulkSetTimeout(bulkDelays, false);

  log(`2. firing error: ${FIRING_TIMERS.toLocaleString()} timers due within ${FIRING_WINDOW_MS / 1000} s (croner: ${CRONER_SAMPLE.toLocaleString()}), ${FIRING_ROUNDS} rounds`);
  const firingDelays = spreadDelays(FIRING_TIMERS, FIRING_LEAD_MS, FIRING_WINDOW_MS, 2);
  const firingRounds = { wheel: [] as Percentiles[], setTimeout: [] as Percentiles[], croner: [] as Percentiles[] };
  for (let round = 0; round < FIRING_ROUNDS; round++) {
    firingRounds.wheel.push(percentiles(await firingErrorWheel(firingDelays)));
    firingRounds.setTimeout.push(percentiles(await firingErrorSetTimeout(firingDelays)));
    firingRounds.croner.push(percentiles(await firingErrorCroner(firingDelays.subarray(0, CRONER_SAMPLE))));
  }
  const wheelErrors = medianRound(firingRounds.wheel);
  const setTimeoutErrors = medianRound(firingRounds.setTimeout);
  const cronerErrors = medianRound(firingRounds.croner);

  log(`3. ${CRON_SCHEDULES.toLocaleString()} cron schedules firing on one second (croner: ${CRONER_SAMPLE.toLocaleString()})`);
  const cronOurs = await cronWheel(CRON_SCHEDULES);
  const cronTheirs = await cronCroner(CRONER_SAMPLE);
  const agreement = nextFireAgreement(100_000);

  const rows: Row[] = [
    { metric: 'schedule rate', wheel: bulk.wheel.scheduleOpsPerSec, setTimeout: bulk.setTimeout.scheduleOpsPerSec, croner: bulk.croner.scheduleOpsPerSec, better: 'higher', unit: 'ops/s' },
    { metric: 'cancel rate', wheel: bulk.wheel.cancelOpsPerSec, setTimeout: bulk.setTimeout.cancelOpsPerSec, croner: bulk.croner.cancelOpsPerSec, better: 'higher', unit: 'ops/s' },
    { metric: 'V8 heapUsed per pending timer', wheel: bulk.wheel.bytesPerTimer.heap, setTimeout: bulk.setTimeout.bytesPerTimer.heap, croner: bulk.croner.bytesPerTimer.heap, better: 'lower', unit: 'B' },
    { metric: 'heap+ArrayBuffers per pending timer', wheel: bulk.wheel.bytesPerTimer.heapAndBuffers, setTimeout: bulk.setTimeout.bytesPerTimer.heapAndBuffers, croner: bulk.croner.bytesPerTimer.heapAndBuffers, better: 'lower', unit: 'B' },
    ...errorRows('firing error', wheelErrors, setTimeoutErrors, cronerErrors),
    { metric: 'heap+ArrayBuffers per cron schedule', wheel: cronOurs.bytesPerSchedule.heapAndBuffers, setTimeout: null, croner: cronTheirs.bytesPerSchedule.heapAndBuffers, better: 'lower', unit: 'B' },
    ...errorRows('cron first-fire error', percentiles(cronOurs.errors), null, percentiles(cronTheirs.errors)),
    { metric: 'cron next-fire computations', wheel: agreement.oursPerSec, setTimeout: null, croner: agreement.cronerPerSec, better: 'higher', unit: 'ops/s' },
  ];

  console.log();
  console.log(`Timing wheel (1 ms tick) vs setTimeout vs croner — Node ${process.version}`);
  console.log(`timers: ${BULK_TIMERS.toLocaleString()} bulk, ${FIRING_TIMERS.toLocaleString()} firing, ${CRON_SCHEDULES.toLocaleString()} cron; croner columns from ${CRONER_SAMPLE.toLocaleString()} jobs`);
  console.log(`firing error: the median-p99 round of ${FIRING_ROUNDS}; load average at start ${loadAtStart}`);
  console.log('ratio = how many times better the wheel is (below 1x: the other side is better)');
  console.log();
  printTable(rows);
  console.log();
  const roundP99s = (rounds: Percentiles[]): string => rounds.map((r) => r.p99.toFixed(2)).join(', ');
  console.log(
    `firing error p99 of each round (ms): wheel ${roundP99s(firingRounds.wheel)}; setTimeout ${roundP99s(firingRounds.setTimeout)}; ` +
      `croner ${roundP99s(firingRounds.croner)}`,
  );
  console.log(`cron next-fire times differing from croner.nextRun: ${agreement.mismatches} of 100,000`);
  const bare = setTimeoutWithoutPayload;
  console.log(
    `setTimeout(fn, d) without a payload: ${formatValue(bare.scheduleOpsPerSec, 'ops/s')} schedule, ${formatValue(bare.cancelOpsPerSec, 'ops/s')} cancel, ` +
      `${formatValue(bare.bytesPerTimer.heapAndBuffers, 'B')} per pending timer`,
  );
  const heapPerTimer = bulk.wheel.bytesPerTimer.heapAndBuffers;
  const targets: Array<[string, boolean]> = [
    [`<= 50 B per pending timer (heap+ArrayBuffers): ${heapPerTimer.toFixed(1)} B`, heapPerTimer <= 50],
    [`>= 5x less memory than setTimeout: ${(bulk.setTimeout.bytesPerTimer.heapAndBuffers / heapPerTimer).toFixed(1)}x`, bulk.setTimeout.bytesPerTimer.heapAndBuffers >= 5 * heapPerTimer],
    [`schedule >= 2x setTimeout: ${(bulk.wheel.scheduleOpsPerSec / bulk.setTimeout.scheduleOpsPerSec).toFixed(1)}x`, bulk.wheel.scheduleOpsPerSec >= 2 * bulk.setTimeout.scheduleOpsPerSec],
    [`cancel >= 2x setTimeout: ${(bulk.wheel.cancelOpsPerSec / bulk.setTimeout.cancelOpsPerSec).toFixed(1)}x`, bulk.wheel.cancelOpsPerSec >= 2 * bulk.setTimeout.cancelOpsPerSec],
    [`p99 firing error <= 2 ms: ${wheelErrors.p99.toFixed(2)} ms`, wheelErrors.p99 <= 2],
  ];
  console.log();
  for (const [label, met] of targets) console.log(`${met ? 'MET   ' : 'MISSED'} ${label}`);
  log('done');
}

await main();
// Every timer above is cancelled, fired or unref'd; exit explicitly all the same, so a
// stray croner job can never keep the benchmark running.
process.exit(0);
