// Replica management outside the controllers themselves:
// autoscaling/v2 HorizontalPodAutoscaler and policy/v1 PodDisruptionBudget.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, column } from './columns.js';
import { timeSince } from './duration.js';
import { listOf, nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';
import { formatIntOrString, formatOptionalQuantity } from './quantity.js';

interface MetricTarget {
  type?: string;
  value?: unknown;
  averageValue?: unknown;
  averageUtilization?: number;
}

interface MetricValueStatus {
  value?: unknown;
  averageValue?: unknown;
  averageUtilization?: number;
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; container?: string; target?: MetricTarget };
  pods?: { target?: MetricTarget };
  object?: { target?: MetricTarget };
  external?: { target?: MetricTarget };
}

interface MetricStatus {
  resource?: { current?: MetricValueStatus };
  containerResource?: { current?: MetricValueStatus };
  pods?: { current?: MetricValueStatus };
  object?: { current?: MetricValueStatus };
  external?: { current?: MetricValueStatus };
}

interface HorizontalPodAutoscalerFields {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
    // autoscaling/v1 only: a single CPU utilisation target.
    targetCPUUtilizationPercentage?: number;
  };
  status?: { currentReplicas?: number; currentMetrics?: MetricStatus[]; currentCPUUtilizationPercentage?: number };
}

// Defaulting gives an HPA without metrics a CPU target of 80% average utilisation.
const DEFAULT_METRICS: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];

// Only the first two metrics are spelled out; the rest are counted.
const SHOWN_METRICS = 2;

type SourceKey = 'resource' | 'containerResource' | 'pods' | 'object' | 'external';

const SOURCE_KEY_OF_TYPE: Record<string, SourceKey> = {
  Resource: 'resource',
  ContainerResource: 'containerResource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
};

/** "current/target" for one metric, with "<unknown>" until the HPA has observed it. */
function metricCell(spec: MetricSpec, status: MetricStatus | undefined): string {
  const key = spec.type === undefined ? undefined : SOURCE_KEY_OF_TYPE[spec.type];
  if (key === undefined) return '<unknown type>';
  const target = spec[key]?.target ?? {};
  const observedSource = status?.[key];
  const current = observedSource?.current;
  // Once the status reports this source, a quantity it lacks prints as Go's nil *Quantity, "<nil>".
  const observed = (quantity: unknown) => (observedSource ? formatOptionalQuantity(quantity) : '<unknown>');

  switch (key) {
    case 'pods':
      return `${observed(current?.averageValue)}/${formatOptionalQuantity(target.averageValue)}`;
    case 'object':
    case 'external':
      if (target.averageValue !== undefined && target.averageValue !== null) {
        const average = current?.averageValue !== undefined && current?.averageValue !== null ? formatOptionalQuantity(current.averageValue) : '<unknown>';
        return `${average}/${formatOptionalQuantity(target.averageValue)} (avg)`;
      }
      return `${observed(current?.value)}/${formatOptionalQuantity(target.value)}`;
    case 'resource':
    case 'containerResource': {
      const resourceName = spec[key]?.name ?? '';
      if (target.averageValue !== undefined && target.averageValue !== null) {
        return `${resourceName}: ${observed(current?.averageValue)}/${formatOptionalQuantity(target.averageValue)}`;
      }
      const utilization = current?.averageUtilization;
      const currentText = utilization !== undefined && utilization !== null ? `${utilization}%` : '<unknown>';
      const targetText = target.averageUtilization !== undefined && target.averageUtilization !== null ? `${target.averageUtilization}%` : '<auto>';
      return `${resourceName}: ${currentText}/${targetText}`;
    }
  }
}

/** The metrics and their observations, whichever API version the object was written in. */
function metricsOf(hpa: HorizontalPodAutoscalerFields): [MetricSpec[], MetricStatus[]] {
  const v1Target = hpa.spec?.targetCPUUtilizationPercentage;
  if (listOf(hpa.spec?.metrics).length === 0 && v1Target !== undefined && v1Target !== null) {
    // Conversion from autoscaling/v1 turns the single CPU target into one Resource metric.
    const v1Current = hpa.status?.currentCPUUtilizationPercentage;
    const spec: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v1Target } } };
    const observed: MetricStatus[] = v1Current === undefined || v1Current === null ? [] : [{ resource: { current: { averageUtilization: v1Current } } }];
    return [[spec], observed];
  }
  const specs = listOf(hpa.spec?.metrics).length > 0 ? listOf(hpa.spec?.metrics) : DEFAULT_METRICS;
  return [specs, listOf(hpa.status?.currentMetrics)];
}

/** formatHPAMetrics: TARGETS cell. */
function targetsCell(hpa: HorizontalPodAutoscalerFields): string {
  const [specs, statuses] = metricsOf(hpa);
  const all = specs.map((spec, index) => metricCell(spec, statuses[index]));
  if (all.length <= SHOWN_METRICS) return all.join(', ');
  return `${all.slice(0, SHOWN_METRICS).join(', ')} + ${all.length - SHOWN_METRICS} more...`;
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Reference', 'string', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    AGE_COLUMN,
  ],
  cells(obj, nowMs) {
    const hpa = obj as KubeObject & HorizontalPodAutoscalerFields;
    const target = hpa.spec?.scaleTargetRef ?? {};
    // Defaulting stores minReplicas 1 when omitted.
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    return [
      nameOf(obj),
      `${target.kind ?? ''}/${target.name ?? ''}`,
      targetsCell(hpa),
      String(minReplicas),
      hpa.spec?.maxReplicas ?? 0,
      hpa.status?.currentReplicas ?? 0,
      timeSince(obj.metadata.creationTimestamp, nowMs),
    ];
  },
};

interface PodDisruptionBudgetFields {
  spec?: { minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number };
}

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE_COLUMN,
  ],
  cells(obj, nowMs) {
    const budget = obj as KubeObject & PodDisruptionBudgetFields;
    const spec = budget.spec ?? {};
    const bound = (value: number | string | undefined) => (value === undefined || value === null ? 'N/A' : formatIntOrString(value));
    return [nameOf(obj), bound(spec.minAvailable), bound(spec.maxUnavailable), budget.status?.disruptionsAllowed ?? 0, timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};
