import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customResourcePrinter, defaultPrinter, tablePrinterFor } from '../../src/api/tables/index.js';
import { NOW_MS, ago, object } from './helpers.js';

describe('default table', () => {
  it('is what kinds without a printer get, including custom resources', () => {
    assert.equal(tablePrinterFor('example.com', 'Widget'), defaultPrinter);
    // Kubernetes has no printer for RBAC Roles either: `kubectl get roles` shows NAME and CREATED AT.
    assert.equal(tablePrinterFor('rbac.authorization.k8s.io', 'Role'), defaultPrinter);
    // Kinds are matched within their group only.
    assert.equal(tablePrinterFor('example.com', 'Pod'), defaultPrinter);
    assert.notEqual(tablePrinterFor('', 'Pod'), defaultPrinter);
  });

  it('has Name and a date-typed Created At, as the apiserver default convertor', () => {
    assert.deepEqual(
      defaultPrinter.columns.map(({ name, type, format, priority }) => ({ name, type, format, priority })),
      [
        { name: 'Name', type: 'string', format: 'name', priority: 0 },
        { name: 'Created At', type: 'date', format: '', priority: 0 },
      ],
    );
    assert.match(defaultPrinter.columns[0].description, /^Name must be unique within a namespace/);
    assert.match(defaultPrinter.columns[1].description, /^CreationTimestamp is a timestamp/);
  });

  it('prints the creation time in RFC3339 UTC', () => {
    const widget = object('Widget', 'w1', {}, { creationTimestamp: '2025-05-30T10:15:00+02:00' });
    assert.deepEqual(defaultPrinter.cells(widget, NOW_MS), ['w1', '2025-05-30T08:15:00Z']);
    const undated = object('Widget', 'w2', {}, { creationTimestamp: undefined });
    assert.deepEqual(defaultPrinter.cells(undated, NOW_MS), ['w2', '0001-01-01T00:00:00Z']);
  });
});

describe('custom resource table without printer columns', () => {
  it('has Name and a date-typed Age that the server humanises', () => {
    assert.deepEqual(customResourcePrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]), [
      ['Name', 'string', 'name', 0],
      ['Age', 'date', '', 0],
    ]);
    assert.deepEqual(customResourcePrinter.cells(object('Widget', 'w1', {}, { creationTimestamp: ago({ d: 3 }) }), NOW_MS), ['w1', '3d']);
    assert.deepEqual(customResourcePrinter.cells(object('Widget', 'w2', {}, { creationTimestamp: undefined }), NOW_MS), ['w2', null]);
  });
});

describe('column definitions', () => {
  const kinds: Array<[string, string]> = [
    ['', 'Namespace'], ['', 'Node'], ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'ConfigMap'], ['', 'Secret'],
    ['', 'Event'], ['', 'ServiceAccount'], ['', 'PersistentVolume'], ['', 'PersistentVolumeClaim'],
    ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'], ['apps', 'ControllerRevision'],
    ['batch', 'Job'], ['batch', 'CronJob'], ['coordination.k8s.io', 'Lease'], ['discovery.k8s.io', 'EndpointSlice'],
    ['autoscaling', 'HorizontalPodAutoscaler'], ['policy', 'PodDisruptionBudget'],
  ];

  for (const [group, kind] of kinds) {
    it(`${group || 'core'}/${kind}: one Name column of format name, Age typed string, a cell per column`, () => {
      const printer = tablePrinterFor(group, kind);
      assert.notEqual(printer, defaultPrinter);
      const named = printer.columns.filter((c) => c.format === 'name');
      assert.deepEqual(named.map((c) => c.name), ['Name']);
      for (const c of printer.columns) {
        if (c.name === 'Age') assert.equal(c.type, 'string');
        assert.ok(c.description.length > 0, `${c.name} has a description`);
      }
      const cells = printer.cells(object(kind, 'x'), NOW_MS);
      assert.equal(cells.length, printer.columns.length);
      assert.equal(cells[printer.columns.indexOf(named[0])], 'x');
    });
  }
});
