/**
 * keepalived 2.4's auth_hmac block in `check --keepalived-version 2.4`, against keepalived 2.4.3 -t
 * recorded on the configs of test/fixtures/auth-hmac-check (record.sh there: each checked in a
 * namespace holding hm0; NAME.2.4.3.log is its output and exit status, NAME.2.2.7.log Debian's
 * 2.2.7's): the same lines in the same order and the same exit status. Under 2.2 (the default) the
 * block stays unknown, as keepalived 2.2.7 has it, and an info line says which version reads it.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadConfig, type LoadOptions } from '../../src/config/load.js';
import type { KeepalivedVersion } from '../../src/config/version.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/auth-hmac-check');
// git keeps no permission bits: the key files get the modes record.sh gives them, in a copy.
const dir = mkdtempSync(join(tmpdir(), 'vrrplab-hmac-check-'));
cpSync(FIXTURES, dir, { recursive: true });
chmodSync(join(dir, 'key-private'), 0o600);
chmodSync(join(dir, 'key-short'), 0o600);
chmodSync(join(dir, 'key-readable'), 0o644);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configs = readdirSync(FIXTURES).filter((f) => f.endsWith('.conf')).map((f) => f.slice(0, -5)).sort();

/** check's lines as keepalived -t prints them (info lines are check's own), then "exit N". */
export function checkLines(name: string, version: KeepalivedVersion, extra: LoadOptions = {}): { lines: string[]; info: string[] } {
  const r = loadConfig(`${name}.conf`, {
    keepalivedVersion: version,
    readFile: (p) => { try { return readFileSync(join(dir, p), 'utf8'); } catch { return undefined; } },
    readKeyFile: (p) => { try { return { text: readFileSync(join(dir, p), 'latin1'), mode: statSync(join(dir, p)).mode }; } catch { return undefined; } },
    interfaces: (i) => (i === 'hm0' ? 'present' : i === 'lo' ? 'loopback' : 'missing'),
    ...extra,
  });
  return {
    lines: [...r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic), `exit ${r.exitStatus}`],
    info: r.diagnostics.filter((d) => d.severity === 'info').map(formatDiagnostic),
  };
}

const recorded = (name: string, release: string): string[] => readFileSync(join(FIXTURES, `${name}.${release}.log`), 'utf8').trimEnd().split('\n');

describe('check --keepalived-version 2.4 on auth_hmac configs', () => {
  it('covers good and broken configs: four good ones exit 0, a group-readable key file 6, a missing value 2, the rest 5', () => {
    const exits = Object.fromEntries(configs.map((c) => [c, recorded(c, '2.4.3').at(-1)]));
    expect(Object.values(exits).filter((e) => e === 'exit 0').length).toBeGreaterThanOrEqual(4);
    expect(exits['file-readable']).toBe('exit 6');
    expect(exits['missing-params']).toBe('exit 2');
    expect(configs.length).toBeGreaterThanOrEqual(25);
  });

  for (const name of configs) {
    it(`${name}: the lines and exit status keepalived 2.4.3 -t gives`, () => {
      expect(checkLines(name, '2.4').lines).toEqual(recorded(name, '2.4.3'));
    });
  }

  it('keeps what keepalived keeps: keys by id, the active key, mode, anti-replay and the derived window', () => {
    const r = loadConfig(join(dir, 'good-hex-all.conf'), { keepalivedVersion: '2.4' });
    expect(r.config.instances[0].authHmac).toMatchObject({
      keys: [{ id: 1, hex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' }, { id: 2 }],
      activeKey: 2, mode: 'permissive', antiReplay: 'monotonic', timeWindowS: 10,
    });
    // time mode without time_window: max(3 x advert_int, 5).
    expect(loadConfig(join(dir, 'good-ascii.conf'), { keepalivedVersion: '2.4' }).config.instances[0].authHmac).toMatchObject({ activeKey: 1, mode: 'enforce', antiReplay: 'time', timeWindowS: 5 });
    // An undefined active_key disables the block: the instance runs without authentication.
    expect(loadConfig(join(dir, 'no-active-key.conf'), { keepalivedVersion: '2.4' }).config.instances[0].authHmac).toBeUndefined();
    // strict mode forces enforce.
    expect(loadConfig(join(dir, 'strict-permissive.conf'), { keepalivedVersion: '2.4' }).config.instances[0].authHmac?.mode).toBe('enforce');
  });
});

describe('check under keepalived 2.2 (the default) on auth_hmac configs', () => {
  for (const name of configs) {
    it(`${name}: the lines and exit status keepalived 2.2.7 -t gives (its '{' ignored, the '}' ending the vrrp_instance), and which version reads it`, () => {
      const { lines, info } = checkLines(name, '2.2');
      // keepalived reads the file once per process: some lines come twice.
      expect(lines).toEqual([...new Set(recorded(name, '2.2.7'))]);
      expect(info.join('\n')).toContain("'auth_hmac' is a keepalived 2.4.0 keyword (keepalived 2.2.7 does not know it): check --keepalived-version 2.4 reads it");
    });
  }

  it('models what 2.2.7 makes of such a config: the vrrp_instance ends at the block, without its VIPs', () => {
    const r = loadConfig('good-ascii.conf', { readFile: (p) => readFileSync(join(dir, p), 'utf8') });
    expect(r.config.instances.map((v) => [v.name, v.virtualIpaddresses.length])).toEqual([['VI_1', 0]]);
  });

  it('says nothing of versions for a config without a 2.4 keyword', () => {
    expect(checkLines('good-ascii', '2.2', { readFile: () => 'vrrp_instance VI_1 {\n interface hm0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.5\n }\n}\n' }).info).toEqual([]);
  });
});

describe('the auth_hmac block reader (property)', () => {
  const words = ['auth_hmac', '{', '}', 'key', 'active_key', 'time_window', 'anti_replay', 'mode', 'enforce', 'permissive', 'receive-only',
    'time', 'monotonic', '0', '1', '2', '255', '256', '-1', '1.5', 'x', 'hex:', 'hex:0g', 'hex:00ff', 'file:', 'file:/nonexistent', 'file:k',
    'vrrplab-auth-hmac-key-one-0123456789', 'hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '"', '\n'];

  it('never throws under 2.4 on any mix of its words inside an instance, and keeps only keys of 32..64 bytes and ids 1..255', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(fc.property(fc.array(fc.constantFrom(...words), { maxLength: 60 }), fc.constantFrom<KeepalivedVersion>('2.2', '2.4'), (tokens, version) => {
      const text = `vrrp_instance VI_1 {\n interface hm0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.5\n }\n auth_hmac {\n${tokens.join(' ')}\n}\n}\n`;
      const r = loadConfig('fuzz.conf', { keepalivedVersion: version, readFile: () => text, readKeyFile: (p) => (p === 'k' ? { text: 'hex:00ff\n', mode: 0o600 } : undefined) });
      expect([0, 2, 4, 5, 6]).toContain(r.exitStatus);
      for (const v of r.config.instances) {
        if (version === '2.2') expect(v.authHmac).toBeUndefined();
        for (const k of v.authHmac?.keys ?? []) {
          expect(k.id).toBeGreaterThanOrEqual(1);
          expect(k.id).toBeLessThanOrEqual(255);
          expect(k.hex.length / 2).toBeGreaterThanOrEqual(32);
          expect(k.hex.length / 2).toBeLessThanOrEqual(64);
        }
        if (v.authHmac) expect(v.authHmac.keys.some((k) => k.id === v.authHmac?.activeKey)).toBe(true);
      }
    }), { numRuns: 1500 });
  });
});
