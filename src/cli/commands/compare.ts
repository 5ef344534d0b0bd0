import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerCompare(program: Command): void {
  program.command('compare').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab compare: not implemented yet\n');
    process.exitCode = 2;
  });
}
