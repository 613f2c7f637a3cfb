// `npm run bench`: every benchmark in turn, each printing its own table of
// figures beside the baseline it is compared with.
import { spawnSync } from 'node:child_process';

const benches = [
  ['store', ['--import', 'tsx', 'bench/store.bench.ts']],
  ['time', ['--expose-gc', '--import', 'tsx', 'bench/time.bench.ts']],
  ['api', ['--import', 'tsx', 'bench/api.bench.ts']],
  ['scheduler', ['--import', 'tsx', 'bench/scheduler.bench.ts']],
  ['controllers', ['--import', 'tsx', 'bench/controllers.bench.ts']],
  ['agent', ['--import', 'tsx', 'bench/agent.bench.ts']],
  ['cluster', ['--import', 'tsx', 'bench/cluster.bench.ts']],
];
const only = process.argv.slice(2);
let failed = false;
for (const [name, args] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n===== bench:${name} =====`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
