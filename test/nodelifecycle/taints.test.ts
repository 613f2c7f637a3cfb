// When the taint-eviction controller evicts a pod, and what
// DefaultTolerationSeconds adds: pure functions, no server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { evictionTimeMs } from '../../src/controllers/nodelifecycle/taints.js';
import { addDefaultTolerationSeconds } from '../../src/api/admission/default-toleration-seconds.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' };

function pod(tolerations?: object[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) } };
}

describe('taint eviction timing', () => {
  it('evicts at once a pod that does not tolerate a NoExecute taint', () => {
    assert.equal(evictionTimeMs(pod(), [unreachable], T0 + 5), 0);
  });
  it('evicts tolerationSeconds after the taint was added, taking the shortest matching toleration', () => {
    const p = pod([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { operator: 'Exists', tolerationSeconds: 10 },
    ]);
    assert.equal(evictionTimeMs(p, [unreachable], T0 + 5), T0 + 10_000);
  });
  it('never evicts a pod that tolerates the taint without tolerationSeconds, and ignores other effects', () => {
    assert.equal(evictionTimeMs(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }]), [unreachable], T0), Infinity);
    assert.equal(evictionTimeMs(pod(), [{ key: 'x', effect: 'NoSchedule' }], T0), Infinity);
  });
  it('takes the earliest deadline over several NoExecute taints', () => {
    const p = pod([{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }, { key: 'b', operator: 'Exists', tolerationSeconds: 5 }]);
    assert.equal(evictionTimeMs(p, [unreachable, { key: 'b', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:20Z' }], T0), T0 + 25_000);
  });
});

describe('DefaultTolerationSeconds', () => {
  it('adds not-ready and unreachable NoExecute tolerations of 300 s', () => {
    const p = pod();
    addDefaultTolerationSeconds(p);
    assert.deepEqual((p.spec as any).tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });
  it('adds nothing when a toleration already covers the key (an Exists-everything one covers both)', () => {
    const p = pod([{ operator: 'Exists' }]);
    addDefaultTolerationSeconds(p);
    assert.deepEqual((p.spec as any).tolerations, [{ operator: 'Exists' }]);
    const q = pod([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }]);
    addDefaultTolerationSeconds(q);
    assert.equal((q.spec as any).tolerations.length, 3, 'a NoSchedule toleration does not cover NoExecute');
  });
});
