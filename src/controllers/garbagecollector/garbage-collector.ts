// Scaffolding: replaced by the real GarbageCollector in this session's work on the controllers issue.
import type { Controller, ControllerContext } from '../controller.js';

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector-controller';

  constructor(_ctx: ControllerContext) {}

  run(): void {}

  stop(): void {}
}
