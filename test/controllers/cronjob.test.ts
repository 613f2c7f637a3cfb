// The CronJob controller (with the Job controller running the Jobs it
// creates) against a real k8ts server. A ManualClock drives the schedules:
// tests advance it minute by minute (or by hours, for a "long pause") and
// wait for what the controllers write.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isNotFound } from '../../src/client/api-client.js';
import { ManualClock } from '../../src/time/clock.js';
import { waitFor } from '../e2e/harness.js';
import { startControlPlane, type ControlPlane } from './harness.js';

const NS = 'default';
const SCHEDULED_AT = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const MINUTE = 60_000;

// Half past a minute, so advancing by whole minutes lands between scheduled times.
const clock = new ManualClock({ wallStartMs: Date.UTC(2024, 0, 1, 0, 0, 30) });
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ clock });
});

after(async () => {
  await cp?.close();
});

interface CronJobStatus {
  active?: { name: string; uid: string; kind: string }[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

async function createCronJob(name: string, spec: Record<string, unknown>, jobSpec: Record<string, unknown> = {}): Promise<KubeObject> {
  return cp.client.create(RESOURCES.cronjobs, NS, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] } }, ...jobSpec },
      },
      ...spec,
    },
  });
}

/** Removes the CronJob and its Jobs, so later tests' clock jumps don't run it. */
async function removeCronJob(name: string): Promise<void> {
  await cp.client.delete(RESOURCES.cronjobs, NS, name);
  for (const job of (await cp.client.list(RESOURCES.jobs, NS, { labelSelector: `cron=${name}` })).items) {
    await cp.client.delete(RESOURCES.jobs, NS, job.metadata.name!, { propagationPolicy: 'Background' }).catch(() => undefined);
  }
}

async function cronJobStatus(name: string): Promise<CronJobStatus> {
  return ((await cp.client.get(RESOURCES.cronjobs, NS, name)).status ?? {}) as CronJobStatus;
}

async function jobsOf(cronJob: string): Promise<KubeObject[]> {
  return (await cp.client.list(RESOURCES.jobs, NS, { labelSelector: `cron=${cronJob}` })).items
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

function jobNames(jobs: KubeObject[]): string[] {
  return jobs.map((j) => j.metadata.name!);
}

function runName(cronJob: string, scheduledMs: number): string {
  return `${cronJob}-${Math.floor(scheduledMs / MINUTE)}`;
}

/** The last whole minute at or before now. */
function lastMinute(): number {
  return Math.floor(clock.wallMs() / MINUTE) * MINUTE;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

async function waitForJobs(cronJob: string, names: string[]): Promise<KubeObject[]> {
  const expected = [...names].sort();
  return waitFor(`${cronJob} to have jobs ${expected.join(', ')}`, async () => {
    const jobs = await jobsOf(cronJob);
    return JSON.stringify(jobNames(jobs)) === JSON.stringify(expected) ? jobs : undefined;
  });
}

async function eventsOf(name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const { items } = await cp.client.list(RESOURCES.events, NS);
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name) as unknown as { reason: string; message: string; type: string }[];
}

async function waitForEvent(name: string, reason: string, message?: string): Promise<void> {
  await waitFor(`${reason} event on ${name}`, async () => (await eventsOf(name)).some((e) => e.reason === reason && (message === undefined || e.message === message)));
}

/** Plays the kubelet: the Job's pod finishes with `exitCode`, and the Job is finished. */
async function finishJob(jobName: string, exitCode: number): Promise<void> {
  const pod = await waitFor(`a pod of ${jobName}`, async () => {
    const { items } = await cp.client.list(RESOURCES.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    return items.find((p) => !p.metadata.deletionTimestamp);
  });
  await cp.kubelet.setFinished(pod, exitCode);
  await cp.kubectl.ok(['wait', `--for=condition=${exitCode === 0 ? 'complete' : 'failed'}`, `job/${jobName}`, '--timeout=20s']);
}

describe('CronJob controller', () => {
  it('creates a Job at each scheduled minute, named and annotated for its time', async () => {
    await createCronJob('every-minute', {});
    const first = lastMinute() + MINUTE;
    clock.advanceBy(29_000);
    assert.deepEqual(await jobsOf('every-minute'), [], 'nothing before the first scheduled time');
    clock.advanceBy(31_000);
    const [job] = await waitForJobs('every-minute', [runName('every-minute', first)]);
    assert.equal(Date.parse(job.metadata.annotations![SCHEDULED_AT]), first);
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    const status = await waitFor('lastScheduleTime', async () => {
      const s = await cronJobStatus('every-minute');
      return s.lastScheduleTime ? s : undefined;
    });
    assert.equal(status.lastScheduleTime, isoSeconds(first));
    assert.deepEqual(status.active?.map((r) => r.name), [job.metadata.name]);

    clock.advanceBy(MINUTE);
    await waitForJobs('every-minute', [runName('every-minute', first), runName('every-minute', first + MINUTE)]);
    await waitFor('both Jobs active', async () => (await cronJobStatus('every-minute')).active?.length === 2);
    assert.equal((await cronJobStatus('every-minute')).lastScheduleTime, isoSeconds(first + MINUTE));

    await finishJob(runName('every-minute', first), 0);
    const done = await waitFor('the finished Job to leave active and set lastSuccessfulTime', async () => {
      const s = await cronJobStatus('every-minute');
      return s.active?.length === 1 && s.lastSuccessfulTime ? s : undefined;
    });
    assert.deepEqual(done.active?.map((r) => r.name), [runName('every-minute', first + MINUTE)]);
    await waitForEvent('every-minute', 'SawCompletedJob', `Saw completed job: ${runName('every-minute', first)}, status: Complete`);
    await waitForEvent('every-minute', 'SuccessfulCreate', `Created job ${runName('every-minute', first)}`);
    await removeCronJob('every-minute');
  });

  it('concurrencyPolicy Forbid starts nothing while a Job is active, then the run it skipped', async () => {
    await createCronJob('forbid', { concurrencyPolicy: 'Forbid' });
    const first = lastMinute() + MINUTE;
    clock.advanceBy(MINUTE);
    await waitForJobs('forbid', [runName('forbid', first)]);
    await waitFor('active', async () => (await cronJobStatus('forbid')).active?.length === 1);
    clock.advanceBy(MINUTE);
    await waitForEvent('forbid', 'JobAlreadyActive');
    assert.deepEqual(jobNames(await jobsOf('forbid')), [runName('forbid', first)]);
    assert.equal((await cronJobStatus('forbid')).lastScheduleTime, isoSeconds(first));
    // With no startingDeadlineSeconds, the skipped run is still due once the active Job is done.
    await finishJob(runName('forbid', first), 0);
    await waitForJobs('forbid', [runName('forbid', first), runName('forbid', first + MINUTE)]);
    await removeCronJob('forbid');
  });

  it('concurrencyPolicy Replace deletes the active Job and starts the new run', async () => {
    await createCronJob('replace', { concurrencyPolicy: 'Replace' });
    const first = lastMinute() + MINUTE;
    clock.advanceBy(MINUTE);
    await waitForJobs('replace', [runName('replace', first)]);
    await waitFor('active', async () => (await cronJobStatus('replace')).active?.length === 1);
    clock.advanceBy(MINUTE);
    await waitForJobs('replace', [runName('replace', first + MINUTE)]);
    const status = await waitFor('the new Job alone active', async () => {
      const s = await cronJobStatus('replace');
      return s.active?.length === 1 && s.active[0].name === runName('replace', first + MINUTE) ? s : undefined;
    });
    assert.equal(status.lastScheduleTime, isoSeconds(first + MINUTE));
    await waitForEvent('replace', 'SuccessfulDelete', `Deleted job ${runName('replace', first)}`);
    await removeCronJob('replace');
  });

  it('starts nothing while suspended; on resume, starts the most recent missed run', async () => {
    await createCronJob('paused', { suspend: true });
    clock.advanceBy(3 * MINUTE);
    assert.deepEqual(await jobsOf('paused'), []);
    assert.equal((await cronJobStatus('paused')).lastScheduleTime, undefined);
    await cp.kubectl.ok(['patch', 'cronjob/paused', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await waitForJobs('paused', [runName('paused', lastMinute())]);
    clock.advanceBy(MINUTE);
    await waitForJobs('paused', [runName('paused', lastMinute() - MINUTE), runName('paused', lastMinute())]);
    await removeCronJob('paused');
  });

  it('follows spec.timeZone', async () => {
    // 09:00 in Tokyo (UTC+9, no DST) is midnight UTC.
    await createCronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
    const nextMidnightUtc = Math.ceil(clock.wallMs() / (24 * 60 * MINUTE)) * 24 * 60 * MINUTE;
    clock.advanceTo(clock.nowMs() + (nextMidnightUtc - clock.wallMs()) - MINUTE);
    assert.deepEqual(await jobsOf('tokyo'), []);
    clock.advanceBy(MINUTE + 30_000);
    const [job] = await waitForJobs('tokyo', [runName('tokyo', nextMidnightUtc)]);
    const day = new Date(nextMidnightUtc).toISOString().slice(0, 10);
    assert.equal(job.metadata.annotations![SCHEDULED_AT], `${day}T09:00:00+09:00`);
    await removeCronJob('tokyo');
  });

  it('after a long pause starts only the most recent missed run, within startingDeadlineSeconds', async () => {
    await createCronJob('catch-up', { startingDeadlineSeconds: 100 });
    clock.advanceBy(10 * MINUTE);
    await waitForJobs('catch-up', [runName('catch-up', lastMinute())]);
    await waitFor('lastScheduleTime', async () => (await cronJobStatus('catch-up')).lastScheduleTime === isoSeconds(lastMinute()));
    await removeCronJob('catch-up');
  });

  it('after a long pause starts nothing when the most recent run is past startingDeadlineSeconds', async () => {
    await createCronJob('too-late', { schedule: '*/5 * * * *', startingDeadlineSeconds: 60 });
    const missed = Math.ceil(clock.wallMs() / (5 * MINUTE)) * 5 * MINUTE;
    // Wake 150 s after the run: too late for a 60 s deadline.
    clock.advanceBy(missed - clock.wallMs() + 150_000);
    await waitForEvent('too-late', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(missed).toUTCString().replace('GMT', '+0000')}`);
    assert.deepEqual(await jobsOf('too-late'), []);
    assert.equal((await cronJobStatus('too-late')).lastScheduleTime, undefined);
    // The next run is on time again.
    clock.advanceBy(5 * MINUTE - 150_000 + 1000);
    await waitForJobs('too-late', [runName('too-late', missed + 5 * MINUTE)]);
    await removeCronJob('too-late');
  });

  it('warns about more than 100 missed start times and still starts the latest', async () => {
    await createCronJob('backlog', {});
    clock.advanceBy(2 * 60 * MINUTE);
    await waitForJobs('backlog', [runName('backlog', lastMinute())]);
    await waitForEvent('backlog', 'TooManyMissedTimes');
    const warning = (await eventsOf('backlog')).find((e) => e.reason === 'TooManyMissedTimes')!;
    assert.equal(warning.type, 'Warning');
    assert.match(warning.message, /too many missed start times/);
    await removeCronJob('backlog');
  });

  it('keeps successfulJobsHistoryLimit and failedJobsHistoryLimit finished Jobs', async () => {
    await createCronJob('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }, { backoffLimit: 0 });
    const runs: string[] = [];
    for (const exitCode of [0, 0, 1, 1]) {
      clock.advanceBy(MINUTE);
      const name = runName('history', lastMinute());
      runs.push(name);
      await waitFor(`Job ${name}`, async () => (await jobsOf('history')).some((j) => j.metadata.name === name));
      await finishJob(name, exitCode);
    }
    // Oldest success and oldest failure go; the newest of each stays.
    await waitForJobs('history', [runs[1], runs[3]]);
    await waitForEvent('history', 'SuccessfulDelete', `Deleted job ${runs[0]}`);
    await waitForEvent('history', 'SuccessfulDelete', `Deleted job ${runs[2]}`);
    await removeCronJob('history');
  });

  it('kubectl create job --from=cronjob runs the template as a Job the CronJob owns', async () => {
    const cronJob = await createCronJob('template', { suspend: true });
    await cp.kubectl.ok(['create', 'job', 'by-hand', '--from=cronjob/template']);
    const job = await cp.client.get(RESOURCES.jobs, NS, 'by-hand');
    assert.equal(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences?.find((r) => r.controller)?.uid, cronJob.metadata.uid);
    assert.equal(job.metadata.labels?.cron, 'template');
    await finishJob('by-hand', 0);
    await waitFor('lastSuccessfulTime', async () => (await cronJobStatus('template')).lastSuccessfulTime !== undefined);
    await removeCronJob('template');
    await waitFor('the manual Job to be deleted', async () => {
      try {
        await cp.client.get(RESOURCES.jobs, NS, 'by-hand');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
  });
});
