/**
 * notify_fifo and friends as keepalived 2.2.7 -t reads them (lab, run in a namespace on configs of
 * this shape: global_defs on lines 1-3, then one instance): the messages have "(Line N)" and no
 * file name, a missing name or script exits 5, a second fifo is ignored with a line, a fifo script
 * counts as a script for script security, and there is no per-instance notify_fifo.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseConfigText } from '../../src/config/load.js';

const INSTANCE = 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 9\n  priority 100\n  virtual_ipaddress {\n    10.98.0.9\n  }\n}\n';

function check(globals: string, options: { scriptExists?: boolean; instanceExtra?: string } = {}) {
  const text = `global_defs {\n  ${globals.split('\n').join('\n  ')}\n}\n${options.instanceExtra !== undefined ? INSTANCE.replace('  priority 100\n', `  priority 100\n  ${options.instanceExtra}\n`) : INSTANCE}`;
  const result = parseConfigText(text, 'k.conf', { scriptExists: () => options.scriptExists ?? true });
  return { ...result, lines: result.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic) };
}

describe('notify_fifo, vrrp_notify_fifo and their scripts, as keepalived 2.2.7 -t reads them', () => {
  it('takes the fifos and scripts, and ignores the owner words after the fifo', () => {
    const { config, lines, exitStatus } = check('notify_fifo /run/k/n.fifo root\nvrrp_notify_fifo /run/k/v.fifo\nenable_script_security\nscript_user root\nvrrp_notify_fifo_script /run/k/reader.sh');
    expect(lines).toEqual([]);
    expect(exitStatus).toBe(0);
    expect(config.globalDefs).toMatchObject({ notifyFifo: '/run/k/n.fifo', vrrpNotifyFifo: '/run/k/v.fifo', vrrpNotifyFifoScript: '/run/k/reader.sh' });
  });

  it.each([
    ['notify_fifo', '(Line 2) No notify_fifo name specified'],
    ['vrrp_notify_fifo', '(Line 2) No vrrp_notify_fifo name specified'],
    ['notify_fifo_script', '(Line 2) No notify_fifo_script specified'],
    ['vrrp_notify_fifo_script', '(Line 2) No vrrp_notify_fifo_script specified'],
  ])('%s with nothing after it: "%s", exit 5', (line, message) => {
    const { lines, exitStatus } = check(line);
    expect(lines).toEqual([message]);
    expect(exitStatus).toBe(5);
  });

  it.each(['notify_fifo', 'vrrp_notify_fifo'])('a second %s is ignored with keepalived\'s line, exit 5, and the first is kept', (keyword) => {
    const { config, lines, exitStatus } = check(`${keyword} /run/k/x.fifo\n${keyword} /run/k/y.fifo`);
    expect(lines).toEqual([`(Line 3) ${keyword} already specified - ignoring /run/k/y.fifo`]);
    expect(exitStatus).toBe(5);
    expect(config.globalDefs.notifyFifo ?? config.globalDefs.vrrpNotifyFifo).toBe('/run/k/x.fifo');
  });

  it('counts a fifo script that exists as a script: SECURITY VIOLATION without script security (exit 6), nothing for a missing one (exit 0)', () => {
    for (const keyword of ['notify_fifo_script', 'vrrp_notify_fifo_script']) {
      const present = check(`notify_fifo /run/k/x.fifo\n${keyword} /run/k/reader.sh`);
      expect(present.lines).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
      expect(present.exitStatus).toBe(6);
      const missing = check(`notify_fifo /run/k/x.fifo\n${keyword} /run/k/nonexist.sh`, { scriptExists: false });
      expect(missing.lines).toEqual([]);
      expect(missing.exitStatus).toBe(0);
    }
  });

  it('has no notify_fifo inside a vrrp_instance: Unknown keyword, exit 5', () => {
    const { lines, exitStatus } = check('router_id A', { instanceExtra: 'notify_fifo /run/k/i.fifo' });
    expect(lines).toEqual(["(k.conf: Line 8) Unknown keyword 'notify_fifo'"]);
    expect(exitStatus).toBe(5);
  });
});

describe('notify_fifo lines of any shape', () => {
  it('never throw, end with an exit status keepalived has, and keep the first notify_fifo named', () => {
    const keyword = fc.constantFrom('notify_fifo', 'vrrp_notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo_script');
    const word = fc.constantFrom('/run/a.fifo', '/run/b.fifo', 'root', '"quoted"', '{');
    fc.assert(
      fc.property(fc.array(fc.tuple(keyword, fc.array(word, { maxLength: 3 })), { maxLength: 6 }), (lines) => {
        const text = lines.map(([k, words]) => [k, ...words].join(' ').trim()).join('\n');
        const { config, exitStatus } = check(text || 'router_id A');
        const named = lines.filter(([k, words]) => k === 'notify_fifo' && words[0] !== undefined && words[0] !== '{');
        if (!text.includes('{')) expect(config.globalDefs.notifyFifo).toBe(named[0]?.[1][0]?.replace(/"/g, ''));
        expect([0, 2, 5, 6]).toContain(exitStatus);
      }),
      { numRuns: 500 },
    );
  });
});
