// The Endpoints controller, as Kubernetes' (pkg/controller/endpoint): for
// every Service with a selector, an Endpoints object of the same name whose
// subsets list the selected pods' IPs (ready ones under addresses, others
// under notReadyAddresses, or all ready with publishNotReadyAddresses) and
// the Service's ports resolved per pod. Services without a selector (such as
// default/kubernetes, kept by the API server) are left alone. The Endpoints
// of a deleted Service are deleted. Nothing is written when nothing changed.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { isNamespaceTerminating } from '../common/namespace-terminating.js';
import type { Controller, ControllerContext } from '../controller.js';
import { desiredSubsets } from './endpoints-subsets.js';
import { labelsFromService, managedSelector, selectedPods } from './service-pods.js';
import { runServiceWorkers, watchServicesAndPods, type ServiceInformers } from './service-triggers.js';

const COMPONENT = 'endpoint-controller';
const WORKERS = 4;
/** Endpoints used as a leader-election record are not a Service's and never collected. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly informers: ServiceInformers;
  private readonly endpoints: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(COMPONENT);
    this.informers = watchServicesAndPods(ctx, this.queue);
    this.endpoints = ctx.informers.informer(RESOURCES.endpoints);
    // Someone deleted an Endpoints object we keep: put it back.
    this.endpoints.addHandlers({ delete: (ep) => this.queue.add(objectKey(ep)) });
  }

  run(): void {
    // Endpoints whose Service went away while no controller ran (checkLeftoverEndpoints).
    for (const ep of this.endpoints.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      if (!this.informers.services.get(ep.metadata.namespace, ep.metadata.name!)) this.queue.add(objectKey(ep));
    }
    runServiceWorkers(this.ctx, this.queue, COMPONENT, WORKERS, (key) => this.reconcile(key));
  }

  stop(): void {
    this.queue.shutdown();
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.informers.services.get(namespace, name);
    if (!svc) {
      await this.ctx.client.delete(RESOURCES.endpoints, namespace, name).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return;
    }
    const selector = managedSelector(svc);
    if (!selector) return;
    const subsets = desiredSubsets(svc, selectedPods(this.informers.pods, svc, selector));
    const labels = labelsFromService(svc);
    const current = this.endpoints.get(namespace, name);
    if (current && isDeepStrictEqual(current.subsets ?? [], subsets) && isDeepStrictEqual(current.metadata.labels ?? {}, labels)) return;
    try {
      await this.write(svc, current, subsets, labels);
    } catch (err) {
      // The namespace is going, and its Endpoints with it.
      if (isNamespaceTerminating(err)) return;
      if (!isConflict(err)) this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  private async write(svc: KubeObject, current: KubeObject | undefined, subsets: unknown[], labels: Record<string, string>): Promise<void> {
    const { namespace, name } = svc.metadata;
    const next: KubeObject = current
      ? { ...current, metadata: { ...current.metadata, labels } }
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels } };
    if (subsets.length > 0) next.subsets = subsets;
    else delete next.subsets;
    if (current) await this.ctx.client.update(RESOURCES.endpoints, namespace, next);
    else await this.ctx.client.create(RESOURCES.endpoints, namespace, next);
  }
}
