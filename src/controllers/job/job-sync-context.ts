// What one sync of a Job knows: a private copy of the Job whose status it
// rewrites, the pods it controls, and the counts derived from them.
import type { KubeObject } from '../../api/types.js';
import type { ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { WorkQueue } from '../../client/work-queue.js';
import type { Clock } from '../../time/clock.js';
import type { SupersededVersions } from '../common/superseded-versions.js';
import type { IndexIntervals } from './completion-indexes.js';
import type { FinalizerRemovalExpectations, PodExpectations } from './expectations.js';
import type { Job, JobCondition } from './job-api.js';

export interface JobSyncContext {
  key: string;
  /** A copy of the cached Job; its status is rewritten during the sync. */
  job: Job;
  pods: KubeObject[];
  activePods: KubeObject[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  /** status.uncountedTerminatedPods as read at the start of the sync. */
  uncounted: { succeeded: ReadonlySet<string>; failed: ReadonlySet<string> };
  /** Pods whose finalizer this controller removed and whose update has not arrived. */
  expectedRemovedFinalizers: ReadonlySet<string>;
  /** Set once the Job has met its success or failure criteria. */
  finishedCondition: JobCondition | undefined;
  prevSucceededIndexes: IndexIntervals;
  succeededIndexes: IndexIntervals;
  nowWallMs: number;
  nowIso: string;
}

/** Everything a Job sync uses besides the informers' caches. */
export interface JobSyncDeps {
  client: ApiClient;
  recorder: EventRecorder;
  clock: Clock;
  queue: WorkQueue;
  podExpectations: PodExpectations;
  finalizerExpectations: FinalizerRemovalExpectations;
  superseded: SupersededVersions;
}

/**
 * Queues the Job again at a wall-clock moment. The delay is taken from the
 * clock now, not from the sync's start: time may have moved during the
 * sync's API calls, and a delay computed earlier would overshoot.
 */
export function requeueAtWall(deps: JobSyncDeps, key: string, wallMs: number): void {
  deps.queue.addAfter(key, wallMs - deps.clock.wallMs());
}
