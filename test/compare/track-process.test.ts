/**
 * compare with a vrrp_track_process in the host's config: a capture cannot say whether the process
 * ran, so it is taken to run throughout, and the report says so (never "no tracked scripts" alone).
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareInputs, loadCompareInputs, type CompareInputs } from '../../src/compare/capture.js';
import { newTrackProcess } from '../../src/config/keywords.js';

const dir = resolve(import.meta.dirname, '../../captures/no-auth-bytes');

function k(): CompareInputs {
  const loaded = loadCompareInputs({ capture: join(dir, 'capture.pcap'), config: join(dir, 'K.conf'), host: '172.16.25.2' });
  if (!loaded.ok) throw new Error(loaded.error);
  return { ...loaded.inputs, windowEndMs: 10_000 };
}

describe('compare and track_process', () => {
  it('takes a tracked process to run (its weight -30 never applies), still matches keepalived, and says what it assumed', () => {
    const inputs = k();
    const process = { ...newTrackProcess('tp', { file: 'K.conf', line: 1 }), process: 'haproxy', weight: -30 };
    const config = {
      ...inputs.config,
      trackProcesses: [process],
      instances: inputs.config.instances.map((v) => ({ ...v, trackProcesses: [{ name: 'tp', location: process.location }] })),
    };
    const report = compareInputs({ ...inputs, config });
    expect(report.scripts).toContain('track_process tp running (assumed: the capture cannot tell; keepalived inside a network namespace counts it absent)');
    expect(report.scripts).not.toContain('no tracked scripts');
    expect(report.mismatches).toEqual([]);
    expect(report.pass).toBe(true);
  });

  it('says "nothing tracked" for a config without any tracking', () => {
    expect(compareInputs(k()).scripts).toBe('nothing tracked');
  });
});
