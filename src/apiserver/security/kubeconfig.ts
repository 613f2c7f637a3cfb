// The admin kubeconfig written into the data dir: the cluster's CA, the
// server URL and the bearer token.
import { stringify } from 'yaml';

export function adminKubeconfig(server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'k8ts', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'k8ts', context: { cluster: 'k8ts', user: 'admin', namespace: 'default' } }],
    'current-context': 'k8ts',
    preferences: {},
  });
}
