import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTrackFile } from '../../src/runtime/runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vltrack'));
  dirs.push(dir);
  const path = join(dir, 'track');
  writeFileSync(path, text);
  return path;
}

describe('the runtime reads a track_file as keepalived does (strtol base 0)', () => {
  it('takes hex and octal numbers, and leading text as 0', () => {
    expect(['0x1f\n', '010', ' -3', 'up'].map((text) => readTrackFile(file(text)))).toEqual([31, 8, -3, 0]);
  });

  it('reads a missing file as 0', () => {
    expect(readTrackFile('/nonexistent/vrrplab/track', 5)).toBe(0);
  });

  it('keeps the previous value for a number keepalived ignores (out of range)', () => {
    expect(readTrackFile(file('99999999999999999999'), 7)).toBe(7);
  });
});
