/**
 * Bundles the compiled CLI (dist/src, from tsc) into dist/cli: the `vrrplab` command users run.
 *
 * Why: `vrrplab run`'s path loads ~46 ES modules plus commander, and Node resolves, reads and
 * compiles each on its own: 25-35 ms of a ~90 ms exec-to-BACKUP start-up on the 2-core machine
 * (native-notes, "Start-up latency"). One bundle per command (code splitting keeps `replay`
 * from loading the runtime) loads in ~10 ms. dist/src stays: tests and the library use it.
 *
 * The explore workers' module is an entry of its own (dist/cli/worker.js), where explore's
 * `new URL('./worker.js', import.meta.url)` finds it; so is the lab's foreign sender (dist/cli/sender.js),
 * which `vrrplab lab` starts in a namespace of its own. Files of an earlier bundle that this one
 * did not write are removed; nothing is removed before writing, so a vrrplab started from
 * dist/cli while a build runs (parallel lab tests) finds its files.
 */
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';

const OUT = 'dist/cli';

const result = await build({
  entryPoints: ['dist/src/cli/main.js', 'dist/src/explore/worker.js', 'dist/src/lab/sender.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  entryNames: '[name]',
  // commander is CommonJS and requires Node's built-in modules: an ES module has no `require`.
  banner: { js: "import { createRequire as vrrplabCreateRequire } from 'node:module'; const require = vrrplabCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

const written = new Set(Object.keys(result.metafile.outputs).map((path) => basename(path)));
for (const file of readdirSync(OUT)) if (!written.has(file)) rmSync(join(OUT, file), { force: true });
