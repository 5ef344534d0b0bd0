#!/usr/bin/env node
/** vrrplab command line: a thin layer over the library; each command lives in ./commands/. */
import type { Command } from 'commander';
import { UsageError } from './usage.js';

// A reader that goes away (`| head`) ends the output, not the process with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

type Register = (program: Command) => void;

/** Commands load on demand: `vrrplab replay` does not pay for the runtime's native socket module. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  decode: async () => (await import('./commands/decode.js')).registerDecode,
  check: async () => (await import('./commands/check.js')).registerCheck,
  simulate: async () => (await import('./commands/simulate.js')).registerSimulate,
  explore: async () => (await import('./commands/explore.js')).registerExplore,
  replay: async () => (await import('./commands/replay.js')).registerReplay,
  watch: async () => (await import('./commands/watch.js')).registerWatch,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  run: async () => (await import('./commands/run.js')).registerRun,
  lab: async () => (await import('./commands/lab.js')).registerLab,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
};

// `vrrplab replay CAPTURE [--json] …` runs without loading commander: replay is timed against
// tshark as a fresh process, where start-up counts.
const done = process.argv[2] === 'replay' && (await (await import('./commands/replay.js')).replayWithoutCommander(process.argv.slice(3)));
if (!done) await runCommander();

async function runCommander(): Promise<void> {
  const { Command } = await import('commander');
  const program = new Command();
  program
    .name('vrrplab')
    .description('VRRP emulator: speak VRRP with keepalived, simulate clusters, replay captures, check configs')
    .version('0.1.0');

  const requested = process.argv[2];
  const needed = requested !== undefined && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
  for (const name of needed) {
    const load = COMMANDS[name];
    if (load !== undefined) (await load())(program);
  }

  program.parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`vrrplab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
