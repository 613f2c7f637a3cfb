// The controllers `k8ts server` runs, in start order.
import type { Controller, ControllerContext } from './controller.js';
import { GarbageCollector } from './garbagecollector/garbage-collector.js';
import { NamespaceController } from './namespace/namespace-controller.js';
import { ReplicaSetController } from './replicaset/replicaset-controller.js';
import { DeploymentController } from './deployment/deployment-controller.js';
import { StatefulSetController } from './statefulset/statefulset-controller.js';
import { DaemonSetController } from './daemonset/daemonset-controller.js';
import { JobController } from './job/job-controller.js';
import { CronJobController } from './cronjob/cronjob-controller.js';
import { EndpointsController } from './endpoints/endpoint-controller.js';
import { EndpointSliceController } from './endpoints/endpointslice-controller.js';
import { ServiceAccountController } from './serviceaccount/service-account-controller.js';
import { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.js';
import { TaintEvictionController } from './nodelifecycle/taint-eviction-controller.js';
import { DisruptionController } from './disruption/disruption-controller.js';
import { PersistentVolumeBinder } from './volume/persistent-volume-binder.js';
import { PodGcController } from './podgc/pod-gc-controller.js';
import { Scheduler } from '../scheduler/scheduler.js';

export const CONTROLLERS: ((ctx: ControllerContext) => Controller)[] = [
  (ctx) => new NamespaceController(ctx),
  (ctx) => new GarbageCollector(ctx),
  (ctx) => new ReplicaSetController(ctx),
  (ctx) => new DeploymentController(ctx),
  (ctx) => new StatefulSetController(ctx),
  (ctx) => new DaemonSetController(ctx),
  (ctx) => new JobController(ctx),
  (ctx) => new CronJobController(ctx),
  (ctx) => new EndpointsController(ctx),
  (ctx) => new EndpointSliceController(ctx),
  (ctx) => new ServiceAccountController(ctx),
  (ctx) => new NodeLifecycleController(ctx),
  (ctx) => new TaintEvictionController(ctx),
  (ctx) => new DisruptionController(ctx),
  (ctx) => new PersistentVolumeBinder(ctx),
  (ctx) => new PodGcController(ctx),
  (ctx) => new Scheduler(ctx),
];
