// Scaffolding: replaced by the real DeploymentController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class DeploymentController implements Controller {
  readonly name = 'deployment-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
