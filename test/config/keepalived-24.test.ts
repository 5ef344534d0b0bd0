/**
 * -t diagnostics that differ between keepalived 2.2.7 and 2.4.3, found by running both on 2.4.3's
 * doc/samples (test/lab/keepalived-24.test.ts does so live), each tested both ways here.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseConfigText } from '../../src/config/load.js';
import type { KeepalivedVersion } from '../../src/config/version.js';

const lines = (text: string, version: KeepalivedVersion): string[] => {
  // Script paths as on a machine without symlinked directories (see the merged-/usr tests below).
  const r = parseConfigText(text, 'k.conf', { keepalivedVersion: version, scriptExists: () => true, scriptPath: () => false });
  return [...r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic), `exit ${r.exitStatus}`];
};

const instance = (body: string): string => `vrrp_instance VI_1 {\n  interface hm0\n  virtual_router_id 5\n${body}\n}\n`;

describe('a VIP given twice', () => {
  const text = instance('  virtual_ipaddress {\n    10.0.0.5\n    10.0.0.6\n    10.0.0.5 label hm0:1\n  }\n  virtual_ipaddress_excluded {\n    10.0.0.7 dev hm0\n    10.0.0.7 dev hm0\n    10.0.0.5 dev hm1\n  }');

  it('is dropped with a message by keepalived 2.4.3 (exit 5), VIPs and excluded ones alike', () => {
    expect(lines(text, '2.4')).toEqual([
      '(k.conf: Line 7) (VI_1): VIP duplicates a VIP 10.0.0.5 - ignoring',
      '(k.conf: Line 11) (VI_1): Excluded VIP duplicates an excluded VIP 10.0.0.7 - ignoring',
      'exit 5',
    ]);
    const r = parseConfigText(text, 'k.conf', { keepalivedVersion: '2.4' });
    expect(r.config.instances[0].virtualIpaddresses.map((v) => v.address)).toEqual(['10.0.0.5', '10.0.0.6']);
  });

  it('is taken silently by keepalived 2.2.7 (exit 0)', () => {
    expect(lines(text, '2.2')).toEqual(['exit 0']);
  });

  it('is not a duplicate when the addresses differ', () => {
    expect(lines(instance('  virtual_ipaddress {\n    10.0.0.5\n    10.0.0.50\n  }'), '2.4')).toEqual(['exit 0']);
  });
});

describe('a virtual route without an interface', () => {
  const text = instance('  virtual_ipaddress {\n    10.0.0.5\n  }\n  virtual_routes {\n    192.168.112.0/24 via 10.0.0.1\n  }');

  it('draws "cannot track route" from keepalived 2.2.7 only, not from 2.4.3', () => {
    expect(lines(text, '2.2')).toEqual([
      '(k.conf: Line 8) Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking',
      'exit 5',
    ]);
    expect(lines(text, '2.4')).toEqual(['exit 0']);
  });
});

describe('a vrrp_script without a script line', () => {
  it('is removed at its closing brace, and a track_script naming it is not found (2.2.7 and 2.4.3 alike)', () => {
    const text = `vrrp_script chk {\n  interval 1\n}\n${instance('  virtual_ipaddress {\n    10.0.0.5\n  }\n  track_script {\n    chk\n  }')}`;
    for (const version of ['2.2', '2.4'] as const) {
      expect(lines(text, version)).toEqual([
        '(k.conf: Line 3) No script set for vrrp_script chk - removing',
        '(k.conf: Line 11) (VI_1) track script chk not found, ignoring...',
        'exit 5',
      ]);
    }
  });

  it('stays when it has one (then only script security is said)', () => {
    expect(lines(`vrrp_script chk {\n  script /bin/true\n}\n${instance('  virtual_ipaddress {\n    10.0.0.5\n  }\n  track_script {\n    chk\n  }')}`, '2.4')).toEqual([
      'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
      'exit 6',
    ]);
  });
});

describe('a VIP given twice in two IPv6 spellings', () => {
  it('is one address to keepalived 2.4.3 (compared as bytes)', () => {
    const text = instance('  virtual_ipaddress {\n    fd00::5\n    fd00:0:0::0005\n  }');
    expect(lines(text, '2.4')).toEqual(['(k.conf: Line 6) (VI_1): VIP duplicates a VIP fd00:0:0::0005 - ignoring', 'exit 5']);
  });
});

describe('a root-run script whose path goes through a symlinked directory (/bin on merged /usr)', () => {
  const text = (globals: string, script = '/bin/true', notify = ''): string =>
    `global_defs {\n${globals}}\nvrrp_script chk {\n  script "${script}"\n}\n${instance(`  virtual_ipaddress {\n    10.0.0.5\n  }\n  track_script {\n    chk\n  }${notify}`)}`;
  const run = (t: string, version: KeepalivedVersion, linked: boolean | undefined) => {
    const r = parseConfigText(t, 'k.conf', { keepalivedVersion: version, scriptExists: () => true, scriptPath: (p) => (p.startsWith('/bin/') ? linked : false) });
    return { lines: [...r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic), `exit ${r.exitStatus}`], info: r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.message), config: r.config };
  };

  it('is disabled by keepalived 2.4.3 ("due to insecure"; lab, merged-/usr Debian 12), and the instance no longer tracks it', () => {
    const r = run(text(''), '2.4', true);
    expect(r.lines).toEqual(['Disabling track script chk due to insecure', 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'exit 6']);
    expect(r.config.instances[0].trackScripts).toEqual([]);
  });

  it('is kept by keepalived 2.2.7, and by 2.4.3 when no directory on the path is a link or the script runs as another user', () => {
    expect(run(text(''), '2.2', true).lines).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'exit 6']);
    expect(run(text(''), '2.4', false).lines).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'exit 6']);
    expect(run(text('  script_user nobody\n'), '2.4', true).lines).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'exit 6']);
  });

  it('drops a notify script silently under 2.4.3 -t: check says so in an info line', () => {
    const r = run(text('  enable_script_security\n  script_user root\n', '/usr/bin/true', '\n  notify_master "/bin/touch /tmp/flag"'), '2.4', true);
    expect(r.lines).toEqual(['exit 0']);
    expect(r.info.join('\n')).toContain('(VI_1) keepalived 2.4.3 never runs this notify_master script /bin/touch: a directory on its path is a symlink');
    expect(run(text('  enable_script_security\n  script_user root\n', '/usr/bin/true', '\n  notify_master "/bin/touch /tmp/flag"'), '2.2', true).info.join('\n')).not.toContain('never runs');
  });

  it('is named as not known when a host directory does not hold the path', () => {
    const r = run(text(''), '2.4', undefined);
    expect(r.lines).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'exit 6']);
    expect(r.info.join('\n')).toContain('keepalived 2.4.3 disables a script run as root when a directory on its path is a symlink (on merged-/usr systems /bin, /sbin, /lib): not known for /bin/true');
  });
});

describe("an unknown keyword's block (2.2.7 and 2.4.3 alike, lab)", () => {
  const text =
    'vrrp_instance VI_1 {\n  interface hm0\n  virtual_router_id 5\n  bogus_block {\n    priority 300\n  }\n  virtual_ipaddress {\n    10.0.0.5\n  }\n}\n' +
    'bogus_top {\n  vrrp_instance VI_2 {\n    interface hm0\n    virtual_router_id 6\n    virtual_ipaddress {\n      10.0.0.6\n    }\n  }\n}\n';

  it("has its '{' ignored and its lines read at the level around it; its '}' ends that level, and what follows is read one level up", () => {
    for (const version of ['2.2', '2.4'] as const) {
      expect(lines(text, version), version).toEqual([
        "(k.conf: Line 4) Unknown keyword 'bogus_block'",
        "(k.conf: Line 4) Unexpected '{' - ignoring",
        "(k.conf: Line 5) number '300' outside range [1, 255]",
        '(k.conf: Line 5) (VI_1) Priority not valid! must be between 1 & 255. Using default 100',
        "(k.conf: Line 7) Unknown keyword 'virtual_ipaddress'",
        "(k.conf: Line 7) Unexpected '{' - ignoring",
        "(k.conf: Line 8) Unknown keyword '10.0.0.5'",
        "(k.conf: Line 9) Unknown keyword '}'",
        "(k.conf: Line 10) Unknown keyword '}'",
        "(k.conf: Line 11) Unknown keyword 'bogus_top'",
        "(k.conf: Line 11) Unexpected '{' - ignoring",
        "(k.conf: Line 19) Unknown keyword '}'",
        '(VI_1) No VIP specified; at least one is sensible',
        'exit 5',
      ]);
    }
  });

  it('so VI_1 ends without its VIPs, and VI_2, inside the unknown top-level block, is defined', () => {
    const r = parseConfigText(text, 'k.conf', { scriptExists: () => true });
    expect(r.config.instances.map((v) => [v.name, v.virtualIpaddresses.map((a) => a.address)])).toEqual([['VI_1', []], ['VI_2', ['10.0.0.6']]]);
  });
});
