// The events that make a Service's endpoints worth recomputing, shared by
// the Endpoints and EndpointSlice controllers: the Service itself changing,
// and pods it selects (before or after the change) changing in a way that
// matters to endpoints. Both queue the Service's namespace/name.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict } from '../../client/api-client.js';
import { objectKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import type { ControllerContext } from '../controller.js';
import { endpointRelevantState, servicesSelecting } from './service-pods.js';

export interface ServiceInformers {
  services: Informer;
  pods: Informer;
}

export function watchServicesAndPods(ctx: ControllerContext, queue: WorkQueue): ServiceInformers {
  const services = ctx.informers.informer(RESOURCES.services);
  const pods = ctx.informers.informer(RESOURCES.pods);
  const enqueueService = (svc: KubeObject) => queue.add(objectKey(svc));
  services.addHandlers({ add: enqueueService, update: (_old, svc) => enqueueService(svc), delete: enqueueService });

  const enqueueServicesOf = (...versions: KubeObject[]) => {
    const namespace = versions[0]!.metadata.namespace!;
    for (const svc of servicesSelecting(services, namespace, versions.map((p) => p.metadata.labels))) enqueueService(svc);
  };
  pods.addHandlers({
    add: (pod) => enqueueServicesOf(pod),
    update: (old, pod) => {
      if (endpointRelevantState(old) !== endpointRelevantState(pod)) enqueueServicesOf(old, pod);
    },
    delete: (pod) => enqueueServicesOf(pod),
  });
  return { services, pods };
}

/** Runs the Service-keyed workers; conflicts are routine (a newer version will be seen) and not logged. */
export function runServiceWorkers(ctx: ControllerContext, queue: WorkQueue, component: string, workers: number, reconcile: (key: string) => Promise<void>): void {
  void queue.run(workers, reconcile, (key, err) => {
    if (!isConflict(err)) ctx.log({ controller: component, service: key, error: String(err) });
  });
}
