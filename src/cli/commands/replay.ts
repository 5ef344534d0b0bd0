import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerReplay(program: Command): void {
  program.command('replay').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab replay: not implemented yet\n');
    process.exitCode = 2;
  });
}
