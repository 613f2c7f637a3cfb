// Scaffolding: replaced by the real ReplicaSetController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
