// Scaffolding: replaced by the real StatefulSetController in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
