// Kubernetes' taint-eviction controller: a pod on a node with a NoExecute
// taint it does not tolerate is deleted at once; one that tolerates it for
// tolerationSeconds is deleted when that runs out (counted from the taint's
// timeAdded), on the timing wheel. A taint that goes away in time cancels
// the eviction. Pods are indexed by node, so a node change touches only its pods.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, splitKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { TimerHandle } from '../../time/timing-wheel.js';
import type { Controller, ControllerContext } from '../controller.js';
import { evictionTimeMs, nodeTaints } from './taints.js';

const COMPONENT = 'taint-eviction-controller';
const WORKERS = 4;
const BY_NODE = 'taint-eviction.spec.nodeName';

function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

function noExecuteKey(node: KubeObject | undefined): string {
  if (!node) return '';
  return JSON.stringify(nodeTaints(node).filter((t) => t.effect === 'NoExecute'));
}

export class TaintEvictionController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly nodes: Informer;
  private readonly pods: Informer;
  /** Pod key → the pending eviction and when (wall ms) it is due. */
  private readonly pending = new Map<string, { handle: TimerHandle; atMs: number }>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.pods.addIndex(BY_NODE, (pod) => {
      const node = nodeNameOf(pod);
      return node ? [node] : [];
    });
    const nodeChanged = (node: KubeObject) => {
      for (const pod of this.pods.byIndex(BY_NODE, node.metadata.name!)) this.queue.add(objectKey(pod));
    };
    this.nodes.addHandlers({
      add: (node) => {
        if (noExecuteKey(node) !== '[]') nodeChanged(node);
      },
      update: (old, node) => {
        if (noExecuteKey(old) !== noExecuteKey(node)) nodeChanged(node);
      },
    });
    this.pods.addHandlers({
      add: (pod) => {
        if (nodeNameOf(pod)) this.queue.add(objectKey(pod));
      },
      update: (old, pod) => {
        if (nodeNameOf(pod) && (nodeNameOf(old) !== nodeNameOf(pod) || JSON.stringify((old.spec as { tolerations?: unknown }).tolerations) !== JSON.stringify((pod.spec as { tolerations?: unknown }).tolerations) || !!old.metadata.deletionTimestamp !== !!pod.metadata.deletionTimestamp)) {
          this.queue.add(objectKey(pod));
        }
      },
      delete: (pod) => this.cancel(objectKey(pod)),
    });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.reconcile(key), (key, err) => this.ctx.log({ controller: COMPONENT, key, error: String(err) }));
  }

  stop(): void {
    this.queue.shutdown();
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }

  private cancel(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.ctx.wheel.cancel(entry.handle);
    this.pending.delete(key);
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    const nodeName = pod && nodeNameOf(pod);
    if (!pod || !nodeName || pod.metadata.deletionTimestamp) {
      this.cancel(key);
      return;
    }
    const node = this.nodes.get(undefined, nodeName);
    const now = this.ctx.clock.wallMs();
    const at = node ? evictionTimeMs(pod, nodeTaints(node), now) : Infinity;
    if (at === Infinity) {
      this.cancel(key);
      return;
    }
    if (at <= now) {
      this.cancel(key);
      await this.evict(pod);
      return;
    }
    const existing = this.pending.get(key);
    if (existing?.atMs === at) return;
    this.cancel(key);
    const handle = this.ctx.wheel.schedule(at - now, () => {
      this.pending.delete(key);
      this.queue.add(key);
    });
    this.pending.set(key, { handle, atMs: at });
  }

  private async evict(pod: KubeObject): Promise<void> {
    this.ctx.recorder(COMPONENT).event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    try {
      await this.ctx.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    }
  }
}
