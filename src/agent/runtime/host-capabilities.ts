// The capabilities this agent process may hand out: its own bounding set.
// A privileged container (or one adding ALL) gets these rather than every
// capability Linux defines, as containerd does: runc cannot grant what the
// agent itself lacks (sandboxes often drop CAP_SYS_RESOURCE or newer ones),
// and would fail the container with "unable to apply caps".
import { readFileSync } from 'node:fs';
import { ALL_CAPABILITIES } from './oci-spec.js';

let cached: string[] | undefined;

/** Names of the capabilities in a CapBnd-style hex mask; ALL_CAPABILITIES is in bit order. */
export function capabilitiesInMask(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

export function hostCapabilities(): string[] {
  if (!cached) {
    const bound = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    cached = bound ? capabilitiesInMask(bound) : [...ALL_CAPABILITIES];
  }
  return cached;
}
