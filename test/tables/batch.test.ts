import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ago, cellsOf, columnLayout, object } from './helpers.js';

const template = { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }] } };

function job(spec: Record<string, unknown>, status: Record<string, unknown>, metadata = {}) {
  return object('Job', 'pi', { spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, ...spec }, status }, metadata);
}

describe('Job', () => {
  it('has NAME STATUS COMPLETIONS DURATION AGE and wide CONTAINERS IMAGES SELECTOR', () => {
    assert.deepEqual(columnLayout('batch', 'Job'), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
  });

  it('prints a completed job with the time it took', () => {
    const obj = job(
      { completions: 1 },
      { succeeded: 1, startTime: ago({ h: 2, m: 10 }), completionTime: ago({ h: 2, m: 8, s: 30 }), conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] },
    );
    assert.deepEqual(cellsOf('batch', obj), ['pi', 'Complete', '1/1', '90s', '3h', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc']);
  });

  it('prints a running job with its elapsed time and a work-queue job by parallelism', () => {
    const running = job({ completions: 5 }, { succeeded: 2, startTime: ago({ m: 5 }) });
    assert.deepEqual(cellsOf('batch', running).slice(1, 4), ['Running', '2/5', '5m']);
    const queue = job({ parallelism: 3 }, {});
    assert.deepEqual(cellsOf('batch', queue).slice(1, 4), ['Running', '0/1 of 3', '']);
    assert.equal(cellsOf('batch', job({ parallelism: 1 }, {}))[2], '0/1');
  });

  it('orders Complete, Failed, Terminating, Suspended, FailureTarget', () => {
    const status = (conditions: Array<{ type: string; status: string }>, metadata = {}) => cellsOf('batch', job({ completions: 1 }, { conditions }, metadata))[1];
    assert.equal(status([{ type: 'Failed', status: 'True' }]), 'Failed');
    assert.equal(status([{ type: 'Failed', status: 'True' }], { deletionTimestamp: ago({ s: 1 }) }), 'Failed');
    assert.equal(status([{ type: 'Suspended', status: 'True' }], { deletionTimestamp: ago({ s: 1 }) }), 'Terminating');
    assert.equal(status([{ type: 'Suspended', status: 'True' }]), 'Suspended');
    assert.equal(status([{ type: 'FailureTarget', status: 'True' }]), 'FailureTarget');
    assert.equal(status([{ type: 'Suspended', status: 'False' }]), 'Running');
  });
});

describe('CronJob', () => {
  it('prints schedule, time zone, suspend, active jobs and last schedule', () => {
    assert.deepEqual(columnLayout('batch', 'CronJob'), [
      'Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*',
    ]);
    const obj = object('CronJob', 'backup', {
      spec: { schedule: '*/5 * * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'backup-1' }, { name: 'backup-2' }], lastScheduleTime: ago({ m: 3 }) },
    });
    assert.deepEqual(cellsOf('batch', obj), ['backup', '*/5 * * * *', 'Europe/Paris', 'True', 2, '3m', '3h', 'pi', 'perl:5.34', '<none>']);
  });

  it('prints <none> before the first run', () => {
    const obj = object('CronJob', 'nightly', { spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } } });
    assert.deepEqual(cellsOf('batch', obj).slice(1, 6), ['0 3 * * *', '<none>', 'False', 0, '<none>']);
  });
});
