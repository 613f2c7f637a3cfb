// Scaffolding: replaced by the real CronJobController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
