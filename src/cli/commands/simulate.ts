import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerSimulate(program: Command): void {
  program.command('simulate').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab simulate: not implemented yet\n');
    process.exitCode = 2;
  });
}
