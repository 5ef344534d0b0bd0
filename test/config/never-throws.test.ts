import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

const pieces = ['vrrp_instance', 'VI', 'global_defs', 'vrrp_script', 'vrrp_sync_group', 'group', 'track_script', 'weight',
  'virtual_ipaddress', 'authentication', 'auth_pass', 'priority', 'virtual_router_id', 'include', '{', '}', '"', '!', '#',
  '$X=1', '$X', '${X}', '@h', '@^h', '\\', '\n', ' ', '10.0.0.1/24', '-5', '256', 'reverse', 'state', 'MASTER', 'notify',
  'vrrp_track_file', 'track_file', 'track_interface', 'file', 'script', 'chk', 'tf', 'SG', 'VI', '1', '0', 'sync_group_tracking_weight'];

describe('the parser', () => {
  it('never throws on arbitrary text and always returns an exit status', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const r = parseConfigText(text, 'fuzz.conf', { readFile: () => undefined });
        expect([0, 2, 4, 5, 6]).toContain(r.exitStatus);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on text made of keepalived keywords and punctuation', () => {
    const token = fc.constantFrom(...pieces);
    fc.assert(
      fc.property(fc.array(token, { maxLength: 120 }), fc.array(fc.constantFrom(' ', '\n'), { maxLength: 120 }), (tokens, seps) => {
        const text = tokens.map((t, i) => t + (seps[i] ?? ' ')).join('');
        const r = parseConfigText(text, 'fuzz.conf', { readFile: () => undefined, scriptExists: () => true });
        for (const d of r.diagnostics) expect(typeof d.message).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
