// The kubectl whose embedded protobuf descriptors the gen-*-proto scripts
// extract: the one named on the command line, else the pinned 1.32 the
// checked-in outputs came from, else whatever kubectl is on the PATH.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';

const PREFERRED_BINARY = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

export function kubectlBinary() {
  const explicit = process.argv[2];
  if (explicit) return explicit;
  if (existsSync(PREFERRED_BINARY)) return PREFERRED_BINARY;
  return realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim());
}

/** `kubectl version --client` of that binary, recorded in the outputs for provenance. */
export function kubectlClientVersion(binary) {
  return JSON.parse(execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion;
}
