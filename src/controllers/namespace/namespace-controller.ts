// Namespace lifecycle: a namespace being deleted (Terminating) has all its
// content deleted, then its "kubernetes" finalizer removed through the
// finalize subresource, which lets the registry remove it.
//
// It talks to the API through the in-process registries (the same handlers
// kubectl reaches), never to the store. Work is level-triggered: every pass
// re-reads what is left, so a restart simply resumes.
import type { KubeObject } from '../../api/types.js';
import type { ApiServer } from '../../apiserver/api-server.js';
import { ApiError } from '../../apiserver/errors.js';
import type { TimingWheel } from '../../time/timing-wheel.js';

const FINALIZER = 'kubernetes';
const RETRY_MS = 1000;

export class NamespaceController {
  private cancelWatch: (() => void) | undefined;
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly api: ApiServer,
    private readonly wheel: TimingWheel,
  ) {}

  async start(): Promise<void> {
    const namespaces = this.api.registry('', 'v1', 'namespaces')!;
    const listed = await namespaces.list(undefined, { labelSelector: [], fieldSelector: [] });
    for (const ns of listed.items) this.observe(ns);
    this.cancelWatch = await namespaces.watch(undefined, Number(listed.resourceVersion), { labelSelector: [], fieldSelector: [] }, {
      event: (_type, ns) => this.observe(ns),
      close: () => {},
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancelWatch?.();
  }

  private observe(ns: KubeObject): void {
    if (ns.metadata.deletionTimestamp && this.finalizers(ns).includes(FINALIZER)) this.enqueue(ns.metadata.name!);
  }

  private finalizers(ns: KubeObject): string[] {
    return (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  }

  private enqueue(name: string): void {
    if (this.stopped || this.queued.has(name)) return;
    this.queued.add(name);
    queueMicrotask(() => void this.process(name));
  }

  private async process(name: string): Promise<void> {
    this.queued.delete(name);
    if (this.running.has(name)) {
      this.wheel.schedule(RETRY_MS, () => this.enqueue(name));
      return;
    }
    this.running.add(name);
    try {
      if (!(await this.reconcile(name))) this.wheel.schedule(RETRY_MS, () => this.enqueue(name));
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', controller: 'namespace', namespace: name, error: String(err) }));
      this.wheel.schedule(RETRY_MS, () => this.enqueue(name));
    } finally {
      this.running.delete(name);
    }
  }

  /** One pass; returns true when the namespace needs no more work. */
  private async reconcile(name: string): Promise<boolean> {
    const namespaces = this.api.registry('', 'v1', 'namespaces')!;
    let ns: KubeObject;
    try {
      ns = await namespaces.get(undefined, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return true;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp || !this.finalizers(ns).includes(FINALIZER)) return true;
    let remaining = 0;
    for (const info of this.api.resources()) {
      if (!info.namespaced) continue;
      const registry = this.api.registry(info.group, info.version, info.plural)!;
      const { items } = await registry.list(name, { labelSelector: [], fieldSelector: [] });
      for (const item of items) {
        if (!item.metadata.deletionTimestamp) {
          try {
            await registry.delete(name, item.metadata.name!, { dryRun: false, propagationPolicy: 'Background' });
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 404)) throw err;
          }
        }
      }
      remaining += (await registry.list(name, { labelSelector: [], fieldSelector: [] })).items.length;
    }
    if (remaining > 0) return false;
    await namespaces.update(undefined, name, (current) => ({
      ...current,
      spec: { ...(current.spec as object), finalizers: this.finalizers(current).filter((f) => f !== FINALIZER) },
    }), { dryRun: false, subresource: 'finalize' });
    return true;
  }
}
