// Scaffolding: replaced by the real ServiceAccountController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class ServiceAccountController implements Controller {
  readonly name = 'service-account-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
