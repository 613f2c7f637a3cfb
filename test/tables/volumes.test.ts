import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ago, cellsOf, columnLayout, object } from './helpers.js';

describe('PersistentVolume', () => {
  it('has the v1.32 columns including VolumeAttributesClass and Reason', () => {
    assert.deepEqual(columnLayout('', 'PersistentVolume'), [
      'Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*',
    ]);
  });

  it('prints a bound volume', () => {
    const obj = object(
      'PersistentVolume',
      'pv-1',
      {
        spec: {
          capacity: { storage: '1024Mi' },
          accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          claimRef: { namespace: 'default', name: 'data' },
          storageClassName: 'standard',
          volumeMode: 'Block',
        },
        status: { phase: 'Bound' },
      },
      { namespace: undefined },
    );
    assert.deepEqual(cellsOf('', obj), ['pv-1', '1Gi', 'RWO,RWX', 'Delete', 'Bound', 'default/data', 'standard', '<unset>', '', '3h', 'Block']);
  });

  it('prefers the beta storage-class annotation and shows Terminating while deleting', () => {
    const obj = object(
      'PersistentVolume',
      'pv-2',
      { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOncePod'], storageClassName: 'fast', volumeAttributesClassName: 'gold' }, status: { phase: 'Failed', reason: 'RecyclerFailed' } },
      { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' }, deletionTimestamp: ago({ s: 5 }) },
    );
    assert.deepEqual(cellsOf('', obj), ['pv-2', '5Gi', 'RWOP', 'Retain', 'Terminating', '', 'legacy', 'gold', 'RecyclerFailed', '3h', 'Filesystem']);
  });
});

describe('PersistentVolumeClaim', () => {
  it('has NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE and wide VOLUMEMODE', () => {
    assert.deepEqual(columnLayout('', 'PersistentVolumeClaim'), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']);
  });

  it('prints capacity and access modes from status once bound', () => {
    const bound = object('PersistentVolumeClaim', 'data', {
      spec: { volumeName: 'pv-1', storageClassName: 'standard', resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Bound', capacity: { storage: '2048Mi' }, accessModes: ['ReadWriteOnce'] },
    });
    assert.deepEqual(cellsOf('', bound), ['data', 'Bound', 'pv-1', '2Gi', 'RWO', 'standard', '<unset>', '3h', 'Filesystem']);
  });

  it('leaves capacity and access modes empty while pending', () => {
    const pending = object('PersistentVolumeClaim', 'new', { spec: { resources: { requests: { storage: '1Gi' } } }, status: {} });
    assert.deepEqual(cellsOf('', pending), ['new', 'Pending', '', '', '', '', '<unset>', '3h', 'Filesystem']);
  });
});
