// NodePorts: host ports the pod wants must be free on the node (0.0.0.0 on
// either side conflicts with any address for the same protocol and port).
import { rejection, type FilterPlugin } from '../framework.js';

export const NODE_PORTS = 'NodePorts';
const REJECTED = rejection(NODE_PORTS, true, "node(s) didn't have free ports for the requested pod ports");

export const nodePortsFilter: FilterPlugin = {
  name: NODE_PORTS,
  prepare(pod) {
    if (pod.hostPorts.length === 0) return undefined;
    return {
      check(node) {
        for (const port of pod.hostPorts) if (node.portInUse(port)) return REJECTED;
        return undefined;
      },
    };
  },
};
