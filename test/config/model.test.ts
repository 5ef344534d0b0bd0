import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { acceptMode } from '../../src/config/model.js';
import { CORPUS_DIR } from './corpus.js';

const full = () => loadConfig(path.join(CORPUS_DIR, 'full.conf')).config;

describe('the typed model', () => {
  it('reads every global_defs keyword with times in milliseconds', () => {
    const g = full().globalDefs;
    expect(g).toMatchObject({
      routerId: 'LAB_FULL', vrrpVersion: 2, scriptUser: 'root', enableScriptSecurity: true,
      vrrpMcastGroup4: '224.0.0.18', vrrpMcastGroup6: 'ff02::12', vrrpGarpMasterDelayMs: 3000, vrrpGarpMasterRepeat: 4,
      vrrpGarpMasterRefreshMs: 60000, vrrpGarpMasterRefreshRepeat: 2, vrrpGarpLowerPrioDelayMs: 2000,
      vrrpGarpLowerPrioRepeat: 3, vrrpGarpIntervalMs: 10, vrrpGnaIntervalMs: 20, vrrpHigherPrioSendAdvert: true,
    });
    expect(g.other.smtp_server).toBe('127.0.0.1');
  });

  it('reads vrrp_script and track_file blocks', () => {
    const c = full();
    expect(c.scripts.find((s) => s.name === 'chk_up')).toMatchObject({
      script: '/bin/true', intervalMs: 2000, timeoutMs: 3000, weight: 10, weightReverse: true, rise: 2, fall: 3, user: 'root', initFail: true,
    });
    expect(c.scripts.find((s) => s.name === 'chk_down')).toMatchObject({ weight: -20, intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, initFail: false });
    expect(c.trackFiles[0]).toMatchObject({ name: 'tf_maint', file: '/tmp/vrrplab-full-maint', weight: -5 });
  });

  it('reads every vrrp_instance keyword', () => {
    const v = full().instances.find((i) => i.name === 'VI_FULL');
    expect(v).toMatchObject({
      initialState: 'BACKUP', interface: 'eth0', vrid: 42, priority: 150, advertIntervalMs: 2000, version: 2, family: 4,
      nopreempt: false, preemptDelayMs: 5000, garpMasterDelayMs: 2000, garpMasterRepeat: 3, garpMasterRefreshMs: 30000,
      garpMasterRefreshRepeat: 2, garpLowerPrioDelayMs: 1000, garpLowerPrioRepeat: 1,
      authentication: { type: 'PASS', password: 'secret12' }, unicastSrcIp: '172.16.25.1', unicastPeers: ['172.16.25.2'],
      smtpAlert: true, accept: true, dontTrackPrimary: true,
      notify: { master: '/bin/true master', backup: '/bin/true', fault: '/bin/true fault', stop: '/bin/true stop', generic: '/bin/true' },
    });
    expect(v?.virtualIpaddresses.map((a) => [a.address, a.prefixLength, a.dev, a.label, a.scope, a.broadcast])).toEqual([
      ['10.9.0.10', 24, 'eth0', 'eth0:1', undefined, undefined],
      ['10.9.0.11', 24, 'eth0', undefined, 'global', '10.9.0.255'],
      ['10.9.0.12', 32, undefined, undefined, undefined, undefined],
    ]);
    expect(v?.virtualIpaddressesExcluded.map((a) => a.address)).toEqual(['10.9.1.10']);
    expect(v?.trackInterfaces).toMatchObject([{ name: 'eth9', weight: -10 }]);
    expect(v?.trackScripts).toMatchObject([{ name: 'chk_up' }, { name: 'chk_down', weight: -30 }]);
    expect(v?.trackFiles).toMatchObject([{ name: 'tf_maint', weight: -7 }]);
  });

  it('reads sync groups and marks their members', () => {
    const c = full();
    expect(c.syncGroups[0]).toMatchObject({ name: 'G1', members: ['VI_SYNC1', 'VI_SYNC2'], notify: { master: '/bin/true g-master' } });
    expect(c.syncGroups[0].trackInterfaces.map((t) => t.name)).toEqual(['eth9']);
    expect(c.instances.find((i) => i.name === 'VI_SYNC2')).toMatchObject({ syncGroup: 'G1', useVmac: true, vmacName: 'vrrp.44' });
  });

  it('lists LVS and SMTP configuration as ignored instead of rejecting it', () => {
    const kinds = full().ignored.map((i) => i.keyword);
    expect(kinds).toContain('virtual_server');
    expect(kinds).toContain('smtp_server');
  });

  it("fills keepalived's defaults from one place", () => {
    const { config } = parseConfigText('vrrp_instance V { interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n}\n', 'mem.conf');
    const v = config.instances[0];
    expect(v).toMatchObject({
      priority: DEFAULTS.priority, advertIntervalMs: 1000, version: 2, nopreempt: false, preemptDelayMs: 0,
      garpMasterDelayMs: 5000, garpMasterRepeat: 5, garpMasterRefreshMs: 0, garpMasterRefreshRepeat: 1,
      garpLowerPrioDelayMs: 5000, garpLowerPrioRepeat: 5,
    });
    expect(v.accept).toBeUndefined();
    expect(acceptMode(v, config.globalDefs)).toBe(true);
  });

  it('gives an instance with state MASTER and no priority the owner priority 255, as keepalived does', () => {
    const { config } = parseConfigText('vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n', 'mem.conf');
    expect(config.instances[0].priority).toBe(255);
  });

  it('truncates auth_pass to 8 characters and says so at the file and line', () => {
    const r = parseConfigText('vrrp_instance V {\n authentication {\n  auth_pass 1e3459f77aba4ded\n }\n}\n', 'a.conf');
    expect(r.config.instances[0].authentication?.password).toBe('1e3459f7');
    expect(r.diagnostics).toContainEqual({ severity: 'warning', location: { file: 'a.conf', line: 3 }, message: 'Truncating auth_pass to 8 characters' });
  });
});

describe('the configuration language', () => {
  it('follows includes with globs relative to the including file, definitions and @host lines', () => {
    const r = loadConfig(path.join(CORPUS_DIR, 'include-defs.conf'));
    expect(r.config.instances.map((i) => [i.name, i.vrid, i.virtualIpaddresses[0]?.address])).toEqual([
      ['VI_INC', 62, '10.9.0.62'],
      ['VI_DEF', 61, '10.9.0.61'],
    ]);
    expect(r.config.files.map((f) => path.basename(f))).toEqual(['include-defs.conf', 'a.inc']);
  });

  it('keeps @NAME lines only on the host NAME and @^NAME lines everywhere else', () => {
    const text = '@a vrrp_instance A {\n@^a vrrp_instance B {\n interface eth0\n}\n';
    expect(parseConfigText(text, 'x.conf', { hostname: 'a' }).config.instances.map((i) => i.name)).toEqual(['A']);
    expect(parseConfigText(text, 'x.conf', { hostname: 'b' }).config.instances.map((i) => i.name)).toEqual(['B']);
  });

  it('resolves absolute includes inside the host directory', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-host-'));
    try {
      fs.mkdirSync(path.join(root, 'etc/keepalived/conf.d'), { recursive: true });
      fs.writeFileSync(path.join(root, 'etc/keepalived/keepalived.conf'), 'include /etc/keepalived/conf.d/*.conf\n');
      fs.writeFileSync(path.join(root, 'etc/keepalived/conf.d/one.conf'), 'vrrp_instance ONE {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress { 10.0.0.9 }\n}\n');
      const r = loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: root });
      expect(r.config.files).toEqual(['/etc/keepalived/keepalived.conf', '/etc/keepalived/conf.d/one.conf']);
      expect(r.config.instances.map((i) => i.name)).toEqual(['ONE']);
      expect(r.exitStatus).toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('warns about an unknown keyword with file and line and goes on parsing', () => {
    const r = parseConfigText('vrrp_instance V {\n frob 1\n interface eth0\n virtual_router_id 3\n virtual_ipaddress { 10.0.0.1 }\n}\n', 'u.conf');
    expect(r.diagnostics[0]).toEqual({ severity: 'warning', location: { file: 'u.conf', line: 2 }, message: "Unknown keyword 'frob'" });
    expect(r.config.instances[0].vrid).toBe(3);
    expect(r.exitStatus).toBe(5);
  });
});

describe('the instance family, as keepalived 2.2.7 decides it in config order (issue 23)', () => {
  const load = (name: string) => loadConfig(path.join(CORPUS_DIR, name)).config.instances[0]!;

  it('takes it from the first unicast peer when that comes first, and drops the later VIP and peer of the other family', () => {
    const v = load('family-peer-first.conf');
    expect(v.family).toBe(6);
    expect(v.unicastPeers).toEqual(['fd00::3']);
    expect(v.virtualIpaddresses.map((vip) => vip.address)).toEqual(['fd00::1']);
  });

  it('takes it from mcast_src_ip, dropping an IPv4 VIP after it, and keeps a matching source address', () => {
    expect(load('family-mcast-src-first.conf')).toMatchObject({ family: 6, mcastSrcIp: 'fd00::2', virtualIpaddresses: [] });
    const v = load('family-src-mismatch.conf');
    expect(v.family).toBe(4);
    expect(v.unicastSrcIp).toBeUndefined();
    expect(v.unicastPeers).toEqual(['10.9.0.3']);
  });

  it('keeps every address of one family: an IPv6 unicast pair is IPv6 with its source and peer', () => {
    const text = 'vrrp_instance V6 {\n  interface eth0\n  virtual_router_id 60\n  unicast_src_ip fd44::a\n  unicast_peer {\n    fd44::b\n  }\n  virtual_ipaddress {\n    fd44::100/64\n  }\n}\n';
    const parsed = parseConfigText(text, 'k.conf');
    expect(parsed.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(parsed.config.instances[0]).toMatchObject({ family: 6, version: 3, unicastSrcIp: 'fd44::a', unicastPeers: ['fd44::b'] });
  });
});

describe('an IPv6 instance with `version 2`', () => {
  it('stays VRRPv2, as keepalived 2.2.7 keeps it (keepalived -t: exit 0, nothing said)', () => {
    const r = loadConfig(path.join(CORPUS_DIR, 'ipv6-version-2.conf'));
    expect(r.exitStatus).toBe(0);
    expect(r.config.instances[0]).toMatchObject({ family: 6, version: 2 });
    expect(r.diagnostics.filter((d) => d.severity !== 'info' || d.notModelled === true)).toEqual([]);
  });

  it('becomes VRRPv3 where keepalived moves it: strict mode, or `version 2` after an IPv6 VIP, or no version at all', () => {
    for (const file of ['ipv6-version-2-strict.conf', 'ipv6-version-2-after-vip.conf']) {
      const r = loadConfig(path.join(CORPUS_DIR, file));
      expect(r.exitStatus, file).toBe(5);
      expect(r.config.instances[0]!.version, file).toBe(3);
    }
    const bare = parseConfigText('vrrp_instance VI_6 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    fe80::100\n  }\n}\n', 'k.conf');
    expect(bare.config.instances[0]!.version).toBe(3);
  });

  it('with auth_type PASS: keepalived -t is silent too, and vrrplab notes what it does not model', () => {
    const text = 'vrrp_instance VI_6 {\n  interface eth0\n  version 2\n  virtual_router_id 51\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    fe80::100\n  }\n}\n';
    const r = parseConfigText(text, 'k.conf');
    expect(r.exitStatus).toBe(0);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(r.diagnostics.filter((d) => d.notModelled === true).map((d) => d.message)).toEqual([
      expect.stringMatching(/^\(VI_6\) auth_type PASS with VRRPv2 over IPv6: keepalived 2\.2\.7 sends no password .*vrrplab sends auth type 1 and compares nothing$/),
    ]);
    const v4 = parseConfigText(text.replace('fe80::100', '10.9.0.1/24'), 'k.conf');
    expect(v4.diagnostics.filter((d) => d.notModelled === true)).toEqual([]);
  });
});

describe('check_unicast_src and a unicast peer\'s min_ttl / max_ttl', () => {
  const instance = (block: string, global = '') =>
    parseConfigText(`${global}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${block}  virtual_ipaddress {\n    10.9.0.1/24\n  }\n}\n`, 'k.conf').config.instances[0]!;

  it('reads each peer\'s range by its place, 0-255 for a peer without options, and checks the source', () => {
    const v = instance('  unicast_peer {\n    10.9.0.2\n    10.9.0.3 min_ttl 60 max_ttl 200\n  }\n');
    expect(v.unicastPeers).toEqual(['10.9.0.2', '10.9.0.3']);
    expect(v.unicastPeerTtl).toEqual([{ min: 0, max: 255 }, { min: 60, max: 200 }]);
    expect([v.checkUnicastSrc, v.checkUnicastSrcInstance]).toEqual([true, true]);
  });

  it('checks the source with check_unicast_src, or for every instance with global vrrp_check_unicast_src (not the instance\'s own flag)', () => {
    expect(instance('  check_unicast_src\n  unicast_peer {\n    10.9.0.2\n  }\n')).toMatchObject({ checkUnicastSrc: true, checkUnicastSrcInstance: true });
    const global = instance('  unicast_peer {\n    10.9.0.2\n  }\n', 'global_defs {\n  vrrp_check_unicast_src\n}\n');
    expect([global.checkUnicastSrc, global.checkUnicastSrcInstance, global.unicastPeerTtl]).toEqual([true, undefined, undefined]);
  });

  it('does not check the source of a plain unicast pair', () => {
    const v = instance('  unicast_peer {\n    10.9.0.2\n  }\n');
    expect([v.checkUnicastSrc, v.unicastPeerTtl]).toEqual([undefined, undefined]);
  });
});
