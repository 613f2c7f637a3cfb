// Registry credentials: dockerconfigjson pull secrets (and the older
// dockercfg), matched to a registry host, and the registry's auth
// challenges (WWW-Authenticate: Bearer realm=…,service=…,scope=… or Basic).
export interface RegistryCredentials {
  username: string;
  password: string;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}

/** Reads `.dockerconfigjson` (or `.dockercfg`) content into host → credentials. */
export function parseDockerConfig(json: string): Map<string, RegistryCredentials> {
  const out = new Map<string, RegistryCredentials>();
  let doc: { auths?: Record<string, DockerAuthEntry> } & Record<string, unknown>;
  try {
    doc = JSON.parse(json);
  } catch {
    return out;
  }
  const auths = (doc.auths ?? doc) as Record<string, DockerAuthEntry>;
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object') continue;
    let { username, password } = entry;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (username !== undefined && password !== undefined) out.set(normalizeHost(key), { username, password });
  }
  return out;
}

/** "https://index.docker.io/v1/" and "docker.io" name the same registry; keys are bare hosts. */
export function normalizeHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export interface AuthChallenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export function parseChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)=(?:"([^"]*)"|([^,\s]*))/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme, params };
}

export function basicAuthorization(creds: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}
