// Scaffolding: replaced by the real EndpointsController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class EndpointsController implements Controller {
  readonly name = 'endpoint-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
