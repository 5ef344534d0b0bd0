import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerRun(program: Command): void {
  program.command('run').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab run: not implemented yet\n');
    process.exitCode = 2;
  });
}
