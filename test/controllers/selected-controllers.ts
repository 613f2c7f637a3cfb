// A control plane that runs only the controllers a test names: startControlPlane's
// `controllers` option, under the name the controller tests use.
import type { ApiClient } from '../../src/client/api-client.js';
import { startControlPlane, type ControlPlane, type ControllerFactory } from './harness.js';

export type { ControllerFactory };

export function startControlPlaneWith(factories: ControllerFactory[], opts: { wrapClient?: (client: ApiClient) => ApiClient } = {}): Promise<ControlPlane> {
  return startControlPlane({ controllers: factories, wrapClient: opts.wrapClient });
}
