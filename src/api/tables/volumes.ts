// PersistentVolume and PersistentVolumeClaim.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, column, wideColumn } from './columns.js';
import { timeSince } from './duration.js';
import { listOf, nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';
import { formatQuantity } from './quantity.js';

// The pre-GA way of naming a storage class; it still wins over the spec field.
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const ACCESS_MODE_ABBREVIATIONS: Array<[mode: string, abbreviation: string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** helper.GetAccessModesAsString: abbreviations in a fixed order, each at most once. */
function accessModesCell(modes: string[] | undefined): string {
  const present = new Set(listOf(modes));
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => present.has(mode))
    .map(([, abbreviation]) => abbreviation)
    .join(',');
}

/** Deletion is in progress once the timestamp is set; finalizers may hold the object for a while. */
function phaseCell(obj: KubeObject, phase: string | undefined): string {
  // Both kinds are created Pending (their create strategies set it).
  return obj.metadata.deletionTimestamp ? 'Terminating' : phase || 'Pending';
}

interface PersistentVolumeFields {
  spec?: {
    capacity?: Record<string, unknown>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string };
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; reason?: string };
}

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE_COLUMN,
    wideColumn('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
  ],
  cells(obj, nowMs) {
    const volume = obj as KubeObject & PersistentVolumeFields;
    const spec = volume.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const storageClass = obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      nameOf(obj),
      formatQuantity(spec.capacity?.storage),
      accessModesCell(spec.accessModes),
      // Retain and Filesystem are the defaults Kubernetes stores when these are omitted.
      spec.persistentVolumeReclaimPolicy || 'Retain',
      phaseCell(obj, volume.status?.phase),
      claim,
      storageClass,
      spec.volumeAttributesClassName ?? '<unset>',
      volume.status?.reason ?? '',
      timeSince(obj.metadata.creationTimestamp, nowMs),
      spec.volumeMode ?? 'Filesystem',
    ];
  },
};

interface PersistentVolumeClaimFields {
  spec?: {
    volumeName?: string;
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; capacity?: Record<string, unknown>; accessModes?: string[] };
}

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    wideColumn('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.'),
  ],
  cells(obj, nowMs) {
    const claim = obj as KubeObject & PersistentVolumeClaimFields;
    const spec = claim.spec ?? {};
    // Capacity and access modes are only meaningful once the claim is bound to a volume.
    const bound = Boolean(spec.volumeName);
    const storageClass = obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
    return [
      nameOf(obj),
      phaseCell(obj, claim.status?.phase),
      spec.volumeName ?? '',
      bound ? formatQuantity(claim.status?.capacity?.storage) : '',
      bound ? accessModesCell(claim.status?.accessModes) : '',
      storageClass,
      spec.volumeAttributesClassName ?? '<unset>',
      timeSince(obj.metadata.creationTimestamp, nowMs),
      spec.volumeMode ?? 'Filesystem',
    ];
  },
};
