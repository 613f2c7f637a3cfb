// The version k8ts reports: the Kubernetes API it speaks and its own release.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const K8TS_VERSION = pkg.version;
export const KUBERNETES_API = { major: '1', minor: '32' };
export const SERVER_VERSION = {
  major: KUBERNETES_API.major,
  minor: KUBERNETES_API.minor,
  gitVersion: `v${KUBERNETES_API.major}.${KUBERNETES_API.minor}.0-k8ts.${K8TS_VERSION}`,
};
