// A control plane that runs only the controllers a test names, so a test of
// the garbage collector (say) isn't disturbed by the ReplicaSet controller
// managing the ReplicaSets it builds by hand. Same shape as startControlPlane.
import { startServer } from '../../src/server/k8ts-server.js';
import type { ApiClient } from '../../src/client/api-client.js';
import { ControllerManager } from '../../src/controllers/controller-manager.js';
import type { Controller, ControllerContext } from '../../src/controllers/controller.js';
import { Kubectl, removeDir, tempDir } from '../e2e/harness.js';
import { SimulatedKubelet, type ControlPlane } from './harness.js';

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export async function startControlPlaneWith(
  factories: ControllerFactory[],
  opts: { wrapClient?: (client: ApiClient) => ApiClient } = {},
): Promise<ControlPlane> {
  const dataDir = tempDir('k8ts-ctrl-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', controllers: false });
  const controllerClient = opts.wrapClient ? opts.wrapClient(server.client) : server.client;
  const manager = new ControllerManager(controllerClient, server.wheel, () => {}, factories);
  await manager.start();
  const kubectl = new Kubectl(server.kubeconfigPath);
  const kubelet = new SimulatedKubelet(server.client, () => server.wheel.clock.wallMs());
  return {
    server,
    client: server.client,
    kubectl,
    kubelet,
    async close() {
      kubelet.stop();
      manager.stop();
      await server.close();
      kubectl.cleanup();
      removeDir(dataDir);
    },
  };
}
