/** `vrrplab check --keepalived-version`: the version in force is said, and an unknown one refused. */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerCheck } from '../../src/cli/commands/check.js';

const DIR = 'test/fixtures/auth-hmac-check';

async function check(...args: string[]): Promise<{ out: string; err: string; status: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; });
  try {
    const program = new Command().exitOverride();
    registerCheck(program);
    await program.parseAsync(['node', 'vrrplab', 'check', ...args]);
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
  return { out: out.join(''), err: err.join(''), status: typeof process.exitCode === 'number' ? process.exitCode : undefined };
}

afterEach(() => { process.exitCode = undefined; });

describe('vrrplab check --keepalived-version', () => {
  it('checks as keepalived 2.2.7 by default: auth_hmac is unknown (exit 5), and says which version reads it and which version was in force', async () => {
    const r = await check('-f', `${DIR}/good-ascii.conf`);
    expect(r.status).toBe(5);
    expect(r.out).toContain(`(${DIR}/good-ascii.conf: Line 12) Unknown keyword 'auth_hmac'\n`);
    expect(r.out).toContain("'auth_hmac' is a keepalived 2.4.0 keyword (keepalived 2.2.7 does not know it): check --keepalived-version 2.4 reads it");
    expect(r.out).toContain('info: checked as keepalived 2.2.7 -t');
  });

  it('checks as keepalived 2.4.3 with 2.4: the same config passes, and the output says 2.4.3', async () => {
    const r = await check('--keepalived-version', '2.4', '-f', `${DIR}/good-ascii.conf`);
    expect(r.status).toBe(0);
    expect(r.out).not.toContain('Unknown keyword');
    expect(r.out).toContain('info: checked as keepalived 2.4.3 -t (--keepalived-version 2.4)');
    const json = JSON.parse((await check('--keepalived-version', '2.4.3', '--json', '-f', `${DIR}/good-ascii.conf`)).out);
    expect(json).toMatchObject({ exitStatus: 0, keepalivedVersion: '2.4.3' });
    // auth_hmac as keepalived keeps it, keys by id: their bytes are never printed.
    expect(json.hosts[0].instances[0].authHmac).toEqual({ mode: 'enforce', activeKey: 1, antiReplay: 'time', timeWindowS: 5, keyIds: [1] });
    expect(JSON.stringify(json)).not.toContain('vrrplab-auth-hmac-key');
    expect(JSON.stringify(json)).not.toContain(Buffer.from('vrrplab-auth-hmac-key-one-0123456789').toString('hex'));
  });

  it("says a forgotten active_key leaves the instance unprotected, beside keepalived's line (exit 5)", async () => {
    const r = await check('--keepalived-version', '2.4', '-f', `${DIR}/no-active-key.conf`);
    expect(r.status).toBe(5);
    expect(r.out).toContain('(VI_1) auth_hmac active_key 0 is not defined, disabling extension\n');
    expect(r.out).toContain('info: (VI_1) runs without auth_hmac: keepalived sends its adverts unsigned and accepts unsigned ones');
  });

  it('names the version in each host header with several files', async () => {
    const r = await check('--keepalived-version', '2.4', '-f', `${DIR}/good-ascii.conf`, '-f', `${DIR}/good-hex-all.conf`);
    expect(r.out).toContain(`== ${DIR}/good-ascii.conf (${DIR}/good-ascii.conf): keepalived 2.4.3 -t would exit 0\n`);
  });

  it('refuses a version it does not model, with exit 2', async () => {
    const r = await check('--keepalived-version', '2.3', '-f', `${DIR}/good-ascii.conf`);
    expect(r.status).toBe(2);
    expect(r.err).toBe('vrrplab check: --keepalived-version 2.3: give 2.2 or 2.4\n');
  });
});
