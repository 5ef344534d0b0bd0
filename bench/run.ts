/**
 * `npm run bench`: runs each area's bench module in turn. To add one, write bench/<area>.ts
 * exporting `async function run()` and add it to BENCHES.
 */
import * as wire from './wire.js';
import * as capture from './capture.js';
import * as runtime from './runtime.js';
import * as sim from './sim.js';
import * as exploreBench from './explore.js';
import * as watchBench from './watch.js';

interface BenchModule {
  run(): Promise<unknown>;
}

const BENCHES: [string, BenchModule][] = [['wire', wire], ['capture', capture], ['sim', sim], ['explore', exploreBench], ['runtime', runtime], ['watch', watchBench]];

for (const [name, bench] of BENCHES) {
  const start = Date.now();
  await bench.run();
  console.log(`(${name}: ${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
}
