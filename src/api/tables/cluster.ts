// Cluster-level core kinds (Namespace, Node, Event) and coordination.k8s.io Lease.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, column, wideColumn } from './columns.js';
import { parseTimestamp, timeSince } from './duration.js';
import { listOf, nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';

export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
  cells(obj, nowMs) {
    const status = obj.status as { phase?: string } | undefined;
    // Namespaces are created Active (defaulting and the create strategy both set it).
    return [nameOf(obj), status?.phase || 'Active', timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};

interface NodeFields {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Array<{ type?: string; status?: string }>;
    addresses?: Array<{ type?: string; address?: string }>;
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Roles come from `node-role.kubernetes.io/<role>` label keys and the old `kubernetes.io/role=<role>`. */
function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = key.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_NODE_ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

/** STATUS: only the Ready condition counts, then cordoning is appended. */
function nodeStatus(node: NodeFields): string {
  const parts: string[] = [];
  // Later duplicates overwrite earlier ones, as the Go condition map does.
  const ready = listOf(node.status?.conditions).filter((c) => c.type === 'Ready').at(-1);
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function firstAddress(node: NodeFields, type: string): string {
  return listOf(node.status?.addresses).find((address) => address.type === type)?.address ?? '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    wideColumn('Internal-IP', 'string', 'List of addresses reachable to the node.'),
    wideColumn('External-IP', 'string', 'List of addresses reachable to the node.'),
    wideColumn('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release.'),
    wideColumn('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r'."),
    wideColumn('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API.'),
  ],
  cells(obj, nowMs) {
    const node = obj as KubeObject & NodeFields;
    const info = node.status?.nodeInfo ?? {};
    return [
      nameOf(obj),
      nodeStatus(node),
      nodeRoles(obj.metadata.labels),
      timeSince(obj.metadata.creationTimestamp, nowMs),
      info.kubeletVersion ?? '',
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  // core/v1 serialises ReportingController under this older name.
  reportingComponent?: string;
  reportingInstance?: string;
}

/** SOURCE: "component, host", falling back to the reporting controller/instance of newer events. */
function eventSource(event: EventFields): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: TablePrinter = {
  // Events are the one kind whose NAME is not first: it is a wide column at the end.
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    column('Object', 'string', 'The object that this event is about.'),
    wideColumn('Subobject', 'string', 'The field of the involved object the event is about.'),
    wideColumn('Source', 'string', 'The component reporting this event.'),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    wideColumn('First Seen', 'string', 'The time at which the event was first recorded.'),
    wideColumn('Count', 'string', 'The number of times this event has occurred.'),
    { ...NAME_COLUMN, priority: 1 },
  ],
  cells(obj, nowMs) {
    const event = obj as KubeObject & EventFields;
    const firstSeen =
      parseTimestamp(event.firstTimestamp) !== undefined
        ? timeSince(event.firstTimestamp, nowMs)
        : timeSince(event.eventTime, nowMs);
    let lastSeen = parseTimestamp(event.lastTimestamp) !== undefined ? timeSince(event.lastTimestamp, nowMs) : firstSeen;
    let count = event.count ?? 0;
    if (event.series) {
      lastSeen = timeSince(event.series.lastObservedTime, nowMs);
      count = event.series.count ?? 0;
    } else if (count === 0) {
      // Singleton events of the events.k8s.io API carry no count.
      count = 1;
    }
    const kind = (event.involvedObject?.kind ?? '').toLowerCase();
    const involvedName = event.involvedObject?.name ?? '';
    return [
      lastSeen,
      event.type ?? '',
      event.reason ?? '',
      involvedName ? `${kind}/${involvedName}` : kind,
      event.involvedObject?.fieldPath ?? '',
      eventSource(event),
      (event.message ?? '').trim(),
      firstSeen,
      count,
      nameOf(obj),
    ];
  },
};

export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  cells(obj, nowMs) {
    const spec = obj.spec as { holderIdentity?: string } | undefined;
    return [nameOf(obj), spec?.holderIdentity ?? '', timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};
