/**
 * `vrrplab watch -r` and `vrrplab replay` print byte for byte what they printed before the
 * Watcher's and decoder's per-frame fast paths (issue 21): the --json output (and replay's
 * timeline) of every capture in captures/ (../shared/captures-reference holds the two seed
 * recordings of captures/reference, byte-identical) and of a flood like bench/watch.ts's
 * (test/fixtures/watch-golden/flood.pcap: five kinds of bad advert among a steady master's, made by
 * test/watch/flood-frames.ts), against test/fixtures/watch-golden/*.out, written by the commit
 * before those paths (13f375f). VRRPLAB_UPDATE_GOLDEN=1 writes them anew (only for a deliberate
 * change of output).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { replayWithoutCommander } from '../../src/cli/commands/replay.js';
import { registerWatch } from '../../src/cli/commands/watch.js';
import { capturedOutput } from '../cli/captured-output.js';

const GOLDEN = 'test/fixtures/watch-golden';
const UPDATE = process.env.VRRPLAB_UPDATE_GOLDEN === '1';

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...captures(path));
    else if (/\.pcap(ng)?$/.test(name)) out.push(path);
  }
  return out;
}

/** stdout and stderr of `body` (stderr's writes marked), in order, and the exit code it set. */
async function output(body: () => Promise<unknown>): Promise<string> {
  const out = await capturedOutput(body);
  const text = out.writes.map((w) => (w.stream === 'stdout' ? w.bytes.toString('utf8') : `[stderr] ${w.bytes.toString('utf8')}`)).join('');
  return `${text}[exit ${out.exitCode}]\n`;
}

async function watchRead(path: string): Promise<string> {
  return output(async () => {
    const program = new Command().exitOverride();
    registerWatch(program);
    await program.parseAsync(['node', 'vrrplab', 'watch', '-r', path, '--json']);
  });
}

const files = [...captures('captures'), join(GOLDEN, 'flood.pcap')];
const golden = (path: string, what: string) => join(GOLDEN, `${relative('.', path).replace(/[/\\]/g, '__')}.${what}.out`);

describe('watch -r and replay output on every capture, against the output before the fast paths', () => {
  it('has the captures and the flood', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files).toContain(join(GOLDEN, 'flood.pcap'));
  });

  for (const path of files) {
    it(`prints the same for ${path}`, async () => {
      const outputs: Array<[string, string]> = [
        ['watch-json', await watchRead(path)],
        ['replay-json', await output(() => replayWithoutCommander([path, '--json']))],
        ['replay-text', await output(() => replayWithoutCommander([path]))],
      ];
      for (const [what, text] of outputs) {
        if (UPDATE) writeFileSync(golden(path, what), text);
        expect(text, `${what} of ${path}`).toBe(readFileSync(golden(path, what), 'utf8'));
      }
    });
  }
});
