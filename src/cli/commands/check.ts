import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerCheck(program: Command): void {
  program.command('check').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab check: not implemented yet\n');
    process.exitCode = 2;
  });
}
