// Scaffolding: replaced by the real JobController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class JobController implements Controller {
  readonly name = 'job-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
