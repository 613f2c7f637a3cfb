// The node agent's V8 young generation stays at its initial size (two 1 MB
// semi-spaces) instead of growing to V8's 2×16 MB under a burst of pod
// starts. The agent allocates little and keeps few short-lived objects, so
// the extra scavenges cost next to nothing, while the grown new space stays
// committed: ~35 MB of the agent's RSS with 100 pods (bench:agent). It also
// makes the forks the agent still does cheaper (runc exec for exec sessions
// and exec probes; other tools start from the fork server): a fork copies
// the page tables of all touched memory, after which each new-space page the
// agent writes takes a copy-on-write fault.
//
// Why at run time: `node --max-semi-space-size=1` would do the same, but a
// node flag is not something `k8ts agent` can set for itself (it is the
// same entry point as `k8ts server`, which wants the large new space), and
// V8 raises --semi-space-growth-factor below 2 back to 2 when the heap is
// configured at startup. Set afterwards, the factor is read by each grow
// of the new space, so 1 keeps it where it is. Node documents
// v8.setFlagsFromString as undefined behaviour after startup in general;
// this flag is one integer read at grow time, and the bench and e2e tests
// run the agent with it.
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
