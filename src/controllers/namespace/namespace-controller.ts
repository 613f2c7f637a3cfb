// Namespace lifecycle, as Kubernetes' namespace controller: a namespace
// being deleted (Terminating, with "kubernetes" in spec.finalizers) has all
// its content deleted; progress is reported in status.conditions; once
// nothing is left, the "kubernetes" finalizer is removed through the
// finalize subresource, which lets the API server remove the namespace.
//
// Level-triggered: every pass lists what is left from the API, so a restart
// simply resumes. Deletions of content re-queue its namespace, so it goes as
// soon as its last object does; a timed re-check covers what no event reports.
import type { KubeObject } from '../../api/types.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import type { Controller, ControllerContext } from '../controller.js';
import { failureConditions, mergeConditions, type NamespaceCondition } from './namespace-conditions.js';
import { deleteNamespaceContent } from './namespace-content.js';

const FINALIZER = 'kubernetes';
const WORKERS = 4;
const COMPONENT = 'namespace-controller';

function specFinalizers(ns: KubeObject): string[] {
  return (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
}

export class NamespaceController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly resources: ResourceInfo[] = BUILTIN_RESOURCES,
  ) {
    this.queue = new WorkQueue(ctx.wheel, { baseDelayMs: 100 });
    this.namespaces = ctx.informers.informer(RESOURCES.namespaces);
    this.namespaces.addHandlers({
      add: (ns) => this.enqueueIfTerminating(ns),
      update: (_old, ns) => this.enqueueIfTerminating(ns),
    });
    for (const info of resources) {
      // Events hold no finalizers, so they go at the first pass: not worth caching every Event to hear it.
      if (!info.namespaced || (info.group === '' && info.plural === 'events')) continue;
      ctx.informers.informer({ group: info.group, version: info.version, resource: info.plural }).addHandlers({
        delete: (obj) => {
          const ns = obj.metadata.namespace ? this.namespaces.get(undefined, obj.metadata.namespace) : undefined;
          if (ns) this.enqueueIfTerminating(ns);
        },
      });
    }
  }

  run(): void {
    void this.queue.run(WORKERS, (name) => this.reconcile(name), (name, err) => {
      if (!isConflict(err)) this.ctx.log({ controller: COMPONENT, namespace: name, error: String(err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  private enqueueIfTerminating(ns: KubeObject): void {
    if (ns.metadata.deletionTimestamp && specFinalizers(ns).includes(FINALIZER)) this.queue.add(ns.metadata.name!);
  }

  private async reconcile(name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.ctx.client.get(RESOURCES.namespaces, undefined, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp || !specFinalizers(ns).includes(FINALIZER)) return;

    const pass = await deleteNamespaceContent(this.ctx.client, name, this.resources);
    await this.reportConditions(ns, failureConditions(pass));
    if (pass.errors.length > 0) throw new Error(`namespace ${name}: ${pass.errors.join('; ')}`);
    if (pass.estimateSeconds > 0) {
      // Kubernetes waits half the estimate (plus a second) before the next pass.
      this.queue.addAfter(name, (Math.floor(pass.estimateSeconds / 2) + 1) * 1000);
      return;
    }
    await this.ctx.client.finalizeNamespace(name, specFinalizers(ns).filter((f) => f !== FINALIZER));
  }

  private async reportConditions(ns: KubeObject, failures: NamespaceCondition[]): Promise<void> {
    const status = (ns.status ?? {}) as { conditions?: NamespaceCondition[] };
    const { conditions, changed } = mergeConditions(status.conditions ?? [], failures, rfc3339(this.ctx.clock.wallMs()));
    if (!changed) return;
    await this.ctx.client.update(RESOURCES.namespaces, undefined, { ...ns, status: { ...status, conditions } }, 'status');
  }
}
