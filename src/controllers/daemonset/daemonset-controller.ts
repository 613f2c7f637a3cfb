// Scaffolding: replaced by the real DaemonSetController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class DaemonSetController implements Controller {
  readonly name = 'daemonset-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
