// Defaults of autoscaling/v2 and discovery.k8s.io/v1 kinds.

import { isObject, objects, type JsonObject } from '../validation/json.js';
import { ensureObject, setIfUnset } from './pod.js';

const scaleUpDefaults = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
// No scale-down window default: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
const scaleDownDefaults = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function defaultScalingRules(rules: unknown, defaults: JsonObject): JsonObject {
  const r: JsonObject = isObject(rules) ? rules : {};
  for (const [k, v] of Object.entries(defaults)) if (r[k] === undefined || r[k] === null) r[k] = structuredClone(v);
  return r;
}

export function defaultHorizontalPodAutoscaler(hpa: JsonObject): void {
  const spec = ensureObject(hpa, 'spec');
  setIfUnset(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  // Behavior is optional; once given, its unset parts take the controller's defaults.
  if (isObject(spec.behavior)) {
    spec.behavior.scaleUp = defaultScalingRules(spec.behavior.scaleUp, scaleUpDefaults);
    spec.behavior.scaleDown = defaultScalingRules(spec.behavior.scaleDown, scaleDownDefaults);
  }
}

export function defaultEndpointSlice(slice: JsonObject): void {
  for (const port of objects(slice.ports)) {
    if (port.name === undefined || port.name === null) port.name = '';
    setIfUnset(port, 'protocol', 'TCP');
  }
}
