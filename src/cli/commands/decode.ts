import type { Command } from 'commander';

/** Placeholder until its issue lands. */
export function registerDecode(program: Command): void {
  program.command('decode').description('(not yet implemented)').action(() => {
    process.stderr.write('vrrplab decode: not implemented yet\n');
    process.exitCode = 2;
  });
}
