import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerDemo(program: Command): void {
  program.command('demo').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab demo: not implemented yet\n');
    process.exitCode = 2;
  });
}
