// The EndpointSlice controller, as Kubernetes' (pkg/controller/endpointslice):
// for every Service with a selector, EndpointSlices named <service>-<random>,
// owned by the Service (so the garbage collector removes them with it),
// labelled kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by,
// addressType IPv4. The slices are listed live on every pass rather than read
// from the cache, so a slice just created is never created twice.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { splitKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { isNamespaceTerminating } from '../common/namespace-terminating.js';
import { controllerRef } from '../common/owners.js';
import type { Controller, ControllerContext } from '../controller.js';
import {
  CONTROLLER_NAME, MANAGED_BY_LABEL, SLICE_ADDRESS_TYPE, desiredPortGroups, isManagedSliceFor, planSlices, type SliceEndpoint, type SlicePort,
} from './endpoint-slices.js';
import { SERVICE_NAME_LABEL, labelsFromService, managedSelector, selectedPods } from './service-pods.js';
import { runServiceWorkers, watchServicesAndPods, type ServiceInformers } from './service-triggers.js';

const COMPONENT = 'endpointslice-controller';
const WORKERS = 4;

export class EndpointSliceController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly informers: ServiceInformers;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(COMPONENT);
    this.informers = watchServicesAndPods(ctx, this.queue);
    // A managed slice changed or deleted by someone else is put right.
    const enqueueOwner = (slice: KubeObject) => {
      const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      if (service && slice.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) this.queue.add(`${slice.metadata.namespace}/${service}`);
    };
    ctx.informers.informer(RESOURCES.endpointslices).addHandlers({ add: enqueueOwner, update: (_old, slice) => enqueueOwner(slice), delete: enqueueOwner });
  }

  run(): void {
    runServiceWorkers(this.ctx, this.queue, COMPONENT, WORKERS, (key) => this.reconcile(key));
  }

  stop(): void {
    this.queue.shutdown();
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.informers.services.get(namespace, name);
    // A deleted Service's slices go with it through their ownerReference.
    if (!svc || svc.metadata.deletionTimestamp) return;
    const selector = managedSelector(svc);
    if (!selector) return;
    try {
      await this.sync(svc, selector);
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      if (!isConflict(err)) this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  private async sync(svc: KubeObject, selector: Record<string, string>): Promise<void> {
    const namespace = svc.metadata.namespace!;
    const { items } = await this.ctx.client.list(RESOURCES.endpointslices, namespace, {
      labelSelector: `${SERVICE_NAME_LABEL}=${svc.metadata.name},${MANAGED_BY_LABEL}=${CONTROLLER_NAME}`,
    });
    const owned = items.filter((slice) => isManagedSliceFor(slice, svc));
    // Slices of an earlier Service of the same name, or of an address type we don't serve.
    const stale = items.filter((slice) => !isManagedSliceFor(slice, svc));
    const plan = planSlices(owned, desiredPortGroups(svc, selectedPods(this.informers.pods, svc, selector)));
    const labels = this.sliceLabels(svc);

    for (const { ports, endpoints } of plan.toCreate) await this.ctx.client.create(RESOURCES.endpointslices, namespace, this.newSlice(svc, labels, ports, endpoints));
    const updated = new Map(plan.toUpdate.map((u) => [u.slice, u.endpoints]));
    const deleted = new Set(plan.toDelete);
    for (const slice of owned) {
      if (deleted.has(slice)) continue;
      const endpoints = updated.get(slice);
      if (!endpoints && isDeepStrictEqual(slice.metadata.labels ?? {}, labels)) continue;
      await this.ctx.client.update(RESOURCES.endpointslices, namespace, { ...slice, metadata: { ...slice.metadata, labels }, endpoints: endpoints ?? slice.endpoints });
    }
    for (const slice of [...plan.toDelete, ...stale]) {
      await this.ctx.client.delete(RESOURCES.endpointslices, namespace, slice.metadata.name!, { preconditions: { uid: slice.metadata.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  private sliceLabels(svc: KubeObject): Record<string, string> {
    return { ...labelsFromService(svc), [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
  }

  private newSlice(svc: KubeObject, labels: Record<string, string>, ports: SlicePort[], endpoints: SliceEndpoint[]): KubeObject {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels, ownerReferences: [controllerRef(svc)] },
      addressType: SLICE_ADDRESS_TYPE,
      endpoints,
      ports,
    };
  }
}
