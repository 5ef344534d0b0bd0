#!/usr/bin/env node
/** vrrplab command line: a thin layer over the library; each command lives in ./commands/. */
import { Command } from 'commander';
import { registerDecode } from './commands/decode.js';
import { registerCheck } from './commands/check.js';
import { registerSimulate } from './commands/simulate.js';
import { registerReplay } from './commands/replay.js';
import { registerCompare } from './commands/compare.js';
import { registerRun } from './commands/run.js';
import { registerDemo } from './commands/demo.js';

// A reader that goes away (`| head`) ends the output, not the process with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command();
program
  .name('vrrplab')
  .description('VRRP emulator: speak VRRP with keepalived, simulate clusters, replay captures, check configs')
  .version('0.1.0');

registerDecode(program);
registerCheck(program);
registerSimulate(program);
registerReplay(program);
registerCompare(program);
registerRun(program);
registerDemo(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`vrrplab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
