// NodeName: a pod that names its node fits only there. The scheduler only
// picks up pods without spec.nodeName, so this matters for nominated what-ifs
// and for completeness with kube's filter list.
import { rejection, type FilterPlugin } from '../framework.js';

export const NODE_NAME = 'NodeName';
const REJECTED = rejection(NODE_NAME, false, "node(s) didn't match the requested node name");

export const nodeNameFilter: FilterPlugin = {
  name: NODE_NAME,
  prepare(pod) {
    const wanted = pod.nodeName;
    if (!wanted) return undefined;
    return { check: (node) => (node.name === wanted ? undefined : REJECTED) };
  },
};
