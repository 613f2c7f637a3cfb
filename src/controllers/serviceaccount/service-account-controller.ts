// Keeps a "default" ServiceAccount in every active namespace, as
// Kubernetes' serviceaccounts controller: created with a new namespace,
// re-created when deleted, never in a namespace being terminated.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isAlreadyExists, isNotFound } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { isNamespaceTerminating } from '../common/namespace-terminating.js';
import type { Controller, ControllerContext } from '../controller.js';

const COMPONENT = 'service-account-controller';
const WORKERS = 2;
/** The ServiceAccounts every namespace gets (kube-controller-manager's default). */
const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

export class ServiceAccountController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer;
  private readonly serviceAccounts: Informer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.namespaces = ctx.informers.informer(RESOURCES.namespaces);
    this.serviceAccounts = ctx.informers.informer(RESOURCES.serviceaccounts);
    this.namespaces.addHandlers({
      add: (ns) => this.queue.add(ns.metadata.name!),
      update: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    this.serviceAccounts.addHandlers({
      delete: (sa) => {
        if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata.name!)) this.queue.add(sa.metadata.namespace!);
      },
    });
  }

  run(): void {
    void this.queue.run(WORKERS, (namespace) => this.reconcile(namespace), (namespace, err) => {
      this.ctx.log({ controller: COMPONENT, namespace, error: String(err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  private isActive(ns: KubeObject | undefined): boolean {
    return ns !== undefined && !ns.metadata.deletionTimestamp && (ns.status as { phase?: string } | undefined)?.phase !== 'Terminating';
  }

  private async reconcile(namespace: string): Promise<void> {
    if (!this.isActive(this.namespaces.get(undefined, namespace))) return;
    for (const name of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (this.serviceAccounts.get(namespace, name)) continue;
      try {
        await this.ctx.client.create(RESOURCES.serviceaccounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      } catch (err) {
        // Already there (our cache lagged), or the namespace is gone or going: nothing to do.
        if (!isAlreadyExists(err) && !isNotFound(err) && !isNamespaceTerminating(err)) throw err;
      }
    }
  }
}
