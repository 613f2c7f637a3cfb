// Reads what a client needs from a kubeconfig: the current context's server
// URL, CA and bearer token. Client certificates and exec plugins are not
// supported: k8ts issues bearer tokens.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClusterAccess {
  server: string;
  /** PEM; absent means the system's trust store. */
  caPem?: string;
  token?: string;
  /** The context's default namespace, if set. */
  namespace?: string;
}

interface KubeconfigDocument {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster?: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }>;
  users?: Array<{ name: string; user?: { token?: string; tokenFile?: string } }>;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string; namespace?: string } }>;
}

export function loadKubeconfig(path: string, contextName?: string): ClusterAccess {
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigDocument;
  const wanted = contextName ?? doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === wanted)?.context;
  if (!context) throw new Error(`kubeconfig ${path}: no context ${JSON.stringify(wanted)}`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: context ${wanted} names no cluster with a server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user;
  // Relative file references are relative to the kubeconfig itself, as kubectl reads them.
  const relative = (file: string) => resolve(dirname(path), file);
  const access: ClusterAccess = { server: cluster.server };
  if (cluster['certificate-authority-data']) access.caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  else if (cluster['certificate-authority']) access.caPem = readFileSync(relative(cluster['certificate-authority']), 'utf8');
  if (user?.token) access.token = user.token;
  else if (user?.tokenFile) access.token = readFileSync(relative(user.tokenFile), 'utf8').trim();
  if (context.namespace) access.namespace = context.namespace;
  return access;
}
