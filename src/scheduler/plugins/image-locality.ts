// ImageLocality: prefer nodes that already have the pod's images
// (node.status.images), weighted by how widely each image is spread so a
// single node with every image does not attract everything.
import type { SchedulerCache } from '../cache.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** An image reference without a tag means :latest. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

export function imageLocalityScore(images: readonly string[], node: NodeInfo, cluster: SchedulerCache): number {
  if (images.length === 0) return 0;
  const totalNodes = Math.max(1, cluster.nodeCount);
  let sum = 0;
  for (const image of images) {
    const name = normalizedImageName(image);
    const size = node.images.get(name);
    if (size === undefined) continue;
    const spread = (cluster.imageNodeCounts.get(name) ?? 0) / totalNodes;
    sum += Math.trunc(size * spread);
  }
  const max = MAX_CONTAINER_THRESHOLD * images.length;
  const clamped = Math.min(max, Math.max(MIN_THRESHOLD, sum));
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export const imageLocalityScorePlugin: ScorePlugin = {
  name: IMAGE_LOCALITY,
  weight: 1,
  prepare(pod, cluster) {
    // Without image lists on any node every score is 0.
    if (cluster.imageNodeCounts.size === 0 || pod.images.length === 0) return undefined;
    return { score: (node) => imageLocalityScore(pod.images, node, cluster) };
  },
};
