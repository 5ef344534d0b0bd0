/** The config corpus: every file states keepalived -t's exit status and the gist of its messages. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The interfaces of the lab namespace keepalived -t runs the corpus in (test/lab/keepalived-t.test.ts). */
export const LAB_INTERFACES: Record<string, 'present' | 'loopback' | 'non-ethernet'> = { lo: 'loopback', eth0: 'present', eth8: 'present', eth9: 'present', tun0: 'non-ethernet' };
export const labInterfaces = (name: string): 'present' | 'missing' | 'loopback' | 'non-ethernet' => LAB_INTERFACES[name] ?? 'missing';

export const CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/configs');

export interface CorpusCase {
  name: string;
  file: string;
  exitStatus: number;
  expect: string[];
}

export function corpus(): CorpusCase[] {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((n) => n.endsWith('.conf'))
    .sort()
    .map((name) => {
      const file = path.join(CORPUS_DIR, name);
      const text = fs.readFileSync(file, 'utf8');
      const exit = /^! expect-exit: (\d+)$/m.exec(text);
      const expect = [...text.matchAll(/^! expect: (.*)$/gm)].map((m) => m[1]);
      return { name, file, exitStatus: exit ? Number(exit[1]) : 0, expect };
    });
}
