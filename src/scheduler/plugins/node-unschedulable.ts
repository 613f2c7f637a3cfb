// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
import { TAINT_UNSCHEDULABLE } from '../api-types.js';
import { rejection, type FilterPlugin } from '../framework.js';
import { toleratesAll } from './taint-toleration.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
const REJECTED = rejection(NODE_UNSCHEDULABLE, false, 'node(s) were unschedulable');
const UNSCHEDULABLE_TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

export const nodeUnschedulableFilter: FilterPlugin = {
  name: NODE_UNSCHEDULABLE,
  prepare(pod) {
    const tolerated = toleratesAll(pod.tolerations, UNSCHEDULABLE_TAINT);
    if (tolerated) return undefined;
    return { check: (node) => (node.unschedulable ? REJECTED : undefined) };
  },
};
