/**
 * What keepalived 2.2.7 does with tracking in sync groups and address owners, and with repeated
 * definitions, as measured in the lab (keepalived -t, and a running keepalived whose tracked
 * things then changed): see the corpus files sync-group-track-file.conf, instance-redefined.conf
 * and track-file-not-found.conf for the messages keepalived -t prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { runScenario } from '../../src/sim/run.js';
import type { Scenario } from '../../src/sim/scenario.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const load = (text: string) => parseConfigText(text, 'k.conf', { scriptExists: () => true });

const SCRIPT = 'vrrp_script chk {\n    script "/usr/bin/pidof nginx"\n    interval 1\n    weight -30\n}\n';
const instance = (name: string, vrid: number, body = '', priority = 100) =>
  `vrrp_instance ${name} {\n    interface eth0\n    virtual_router_id ${vrid}\n    priority ${priority}\n    advert_int 1\n    virtual_ipaddress {\n        10.20.0.${vrid}/24\n    }\n${body}}\n`;
const GROUP = 'vrrp_sync_group SG {\n    group {\n        VI_1\n        VI_2\n    }\n}\n';
const TRACK = '    track_script {\n        chk\n    }\n';

describe('a weighted track_script in a sync group', () => {
  it('is dropped, and a script nothing else tracks is marked unused with the line keepalived logs at start ("Warning - script chk is not used")', () => {
    const r = load(SCRIPT + GROUP + instance('VI_1', 51, TRACK) + instance('VI_2', 52));
    expect(r.diagnostics.map((d) => d.message)).toContain('(VI_1) ignoring tracked script chk with weights due to SYNC group');
    expect(r.config.instances[0].trackScripts).toEqual([]);
    expect(r.config.scripts[0].unused).toBe(true);
    const info = r.diagnostics.find((d) => d.message === 'Warning - script chk is not used');
    // keepalived -t does not print it: it never counts for the exit status.
    expect(info?.severity).toBe('info');
    // The script is still checked for security before it is dropped (lab: exit 6 without script_security).
    expect(r.exitStatus).toBe(6);
  });

  it('leaves a script used when another instance (outside the group) or the sync group itself tracks it', () => {
    const other = load(SCRIPT + GROUP + instance('VI_1', 51, TRACK) + instance('VI_2', 52) + instance('VI_3', 53, TRACK));
    expect(other.config.scripts[0].unused).toBeUndefined();
    const byGroup = load(SCRIPT + GROUP.replace('    }\n}', '    }\n    track_script {\n        chk\n    }\n}') + instance('VI_1', 51) + instance('VI_2', 52));
    expect(byGroup.config.scripts[0].unused).toBeUndefined();
    expect(byGroup.diagnostics.filter((d) => d.message.includes('not used'))).toEqual([]);
  });

  it('marks a script no instance names at all unused too, and a weight-0 one in a sync group stays tracked', () => {
    expect(load(SCRIPT + instance('VI_1', 51)).config.scripts[0].unused).toBe(true);
    const zero = load(SCRIPT.replace('weight -30', 'weight 0') + GROUP + instance('VI_1', 51, TRACK) + instance('VI_2', 52));
    expect(zero.config.instances[0].trackScripts.map((r) => r.name)).toEqual(['chk']);
    expect(zero.config.scripts[0].unused).toBeUndefined();
  });
});

describe('weighted track_file and track_interface in sync groups and address owners', () => {
  const FILE = 'track_file tf {\n    file "/run/flag"\n    weight -20\n}\n';
  const TRACKS = '    track_file {\n        tf\n    }\n    track_interface {\n        eth9 weight -10\n    }\n';

  it('drops the weighted file and keeps the interface weight (keepalived still applies it) in a sync group member', () => {
    const r = load(FILE + GROUP + instance('VI_1', 51, TRACKS) + instance('VI_2', 52));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '(VI_1) ignoring eth9 tracked interface weight due to SYNC group',
      '(VI_1) ignoring tracked file tf with weight -20 due to SYNC group',
    ]);
    expect(r.config.instances[0].trackFiles).toEqual([]);
    expect(r.config.instances[0].trackInterfaces).toEqual([expect.objectContaining({ name: 'eth9', weight: -10 })]);
  });

  it('drops both in an address owner', () => {
    const r = load(FILE + instance('VI_3', 53, TRACKS, 255));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '(VI_3) ignoring eth9 tracked interface due to address owner',
      '(VI_3) ignoring tracked file tf with weight -20 due to address_owner',
    ]);
    expect(r.config.instances[0].trackFiles).toEqual([]);
    expect(r.config.instances[0].trackInterfaces).toEqual([]);
  });

  it('says nothing and keeps both outside a sync group, and with weight 0 inside one', () => {
    const alone = load(FILE + instance('VI_1', 51, TRACKS));
    expect(alone.diagnostics).toEqual([]);
    expect(alone.config.instances[0].trackFiles.map((r) => r.name)).toEqual(['tf']);
    const zero = load(FILE.replace('weight -20', 'weight 0') + GROUP + instance('VI_1', 51, TRACKS.replace(' weight -10', '')) + instance('VI_2', 52));
    expect(zero.diagnostics).toEqual([]);
    expect(zero.config.instances[0].trackFiles.map((r) => r.name)).toEqual(['tf']);
  });
});

describe('repeated and unknown names', () => {
  it('skips a second vrrp_instance of the same name whole, keeping the first one (its VRID and VIPs)', () => {
    const r = load(instance('VI_1', 51) + instance('VI_1', 52));
    expect(r.diagnostics).toEqual([{ severity: 'warning', location: { file: 'k.conf', line: 10 }, message: 'vrrp instance VI_1 already defined' }]);
    expect(r.config.instances.map((v) => v.vrid)).toEqual([51]);
    expect(r.exitStatus).toBe(5);
    expect(load(instance('VI_1', 51) + instance('VI_2', 52)).diagnostics).toEqual([]);
  });

  it('notes each vrrp_track_file block as deprecated, as a running keepalived logs it (info: keepalived -t is silent), and not a track_file block', () => {
    const old = load('vrrp_track_file a {\n    file "/run/a"\n}\nvrrp_track_file b {\n    file "/run/b"\n}\n' + instance('VI_1', 51));
    expect(old.diagnostics).toEqual([
      { severity: 'info', location: { file: 'k.conf', line: 1 }, message: '"vrrp_track_file" is deprecated, please use "track_file"' },
      { severity: 'info', location: { file: 'k.conf', line: 4 }, message: '"vrrp_track_file" is deprecated, please use "track_file"' },
    ]);
    expect(old.config.trackFiles.map((f) => f.name)).toEqual(['a', 'b']);
    expect(load('track_file a {\n    file "/run/a"\n}\n' + instance('VI_1', 51)).diagnostics).toEqual([]);
  });

  it('notes that keepalived -t never returns on an unknown track_file name after a track_file block, and not without one', () => {
    const hangs = load('track_file tf {\n    file "/run/flag"\n}\n' + instance('VI_1', 51, '    track_file {\n        tf_nope\n    }\n'));
    expect(hangs.diagnostics.filter((d) => d.severity === 'info').map((d) => d.message)).toEqual([expect.stringContaining('keepalived -t (2.2.7) does not return on this config')]);
    const returns = load(instance('VI_1', 51, '    track_file {\n        tf_nope\n    }\n') + 'track_file tf {\n    file "/run/flag"\n}\n');
    expect(returns.diagnostics.filter((d) => d.severity === 'info')).toEqual([]);
  });

  it('drops a track_file naming no vrrp_track_file, at its line', () => {
    const r = load(instance('VI_1', 51, '    track_file {\n        tf_nope\n    }\n'));
    expect(r.diagnostics).toEqual([{ severity: 'warning', location: { file: 'k.conf', line: 10 }, message: '(VI_1) track file tf_nope not found, ignoring...' }]);
    expect(r.config.instances[0].trackFiles).toEqual([]);
  });
});

describe('the order of definitions', () => {
  it('drops a track_script whose vrrp_script is defined further down (keepalived looks the name up at its line), leaving the script unused', () => {
    const r = load(instance('VI_1', 51, TRACK) + SCRIPT);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([
      { severity: 'warning', location: { file: 'k.conf', line: 10 }, message: '(VI_1) track script chk not found, ignoring...' },
      // Untracked, the script is still checked (lab: exit 6 for this order of blocks without script_security).
      { severity: 'warning', message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.' },
    ]);
    expect(r.config.instances[0].trackScripts).toEqual([]);
    expect(r.config.scripts[0].unused).toBe(true);
  });

  it('keeps it when the vrrp_script comes first', () => {
    const r = load(SCRIPT + instance('VI_1', 51, TRACK));
    expect(r.diagnostics.filter((d) => d.message.includes('not found'))).toEqual([]);
    expect(r.config.instances[0].trackScripts.map((t) => t.name)).toEqual(['chk']);
  });

  it('does the same for a sync group, in line order with its track_file', () => {
    const group = 'vrrp_sync_group SG {\n    group {\n        VI_1\n        VI_2\n    }\n    track_script {\n        chk\n    }\n    track_file {\n        tf\n    }\n}\n';
    const r = load(group + instance('VI_1', 51) + instance('VI_2', 52) + SCRIPT + 'vrrp_track_file tf {\n    file "/run/flag"\n}\n');
    expect(r.diagnostics.filter((d) => d.severity !== 'info' && !d.message.startsWith('SECURITY')).map((d) => `${d.location?.line}: ${d.message}`)).toEqual([
      '7: (SG) track script chk not found, ignoring...',
      '10: (SG) track file tf not found, ignoring...',
    ]);
    expect(r.config.syncGroups[0].trackScripts).toEqual([]);
  });
});

describe('simulate with a weighted script in a sync group', () => {
  function run(group: boolean, checks: Scenario['checks'] = {}): ReturnType<typeof runScenario> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-sg-'));
    try {
      const hosts = (['A', 'B'] as const).map((name, i) => {
        const file = path.join(dir, `${name}.conf`);
        const priority = i === 0 ? 100 : 90;
        fs.writeFileSync(file, SCRIPT + (group ? GROUP : '') + instance('VI_1', 51, TRACK, priority) + instance('VI_2', 52, '', priority));
        return { name, address: `10.20.0.${i + 1}`, configPath: file };
      });
      const scenario: Scenario = {
        name: 'sg', directory: dir, durationMs: 20_000, scripts: 'model', hosts, services: {}, checks, notify: {},
        timeline: [
          { do: 'start', host: 'A', atMs: 0 },
          { do: 'start', host: 'B', atMs: 0 },
          { do: 'service-stop', host: 'A', service: 'nginx', atMs: 8000 },
        ],
        flapping: { transitions: 4, windowMs: 60_000 },
      };
      return runScenario(scenario);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('never runs the script, as keepalived does not: stopping the service it probes changes nothing', () => {
    const outcome = run(true);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.checkModels.chk).toContain('not used');
    expect(outcome.result.records.filter((r) => r.type === 'priority')).toEqual([]);
    expect(outcome.result.records.some((r) => r.type === 'log' && r.message.includes('VRRP_Script(chk)'))).toBe(false);
    expect(outcome.result.vips.A).toEqual(expect.arrayContaining(['10.20.0.51', '10.20.0.52']));
  });

  it('without the sync group runs it with its weight: A drops to 70 and B takes VI_1', () => {
    const outcome = run(false);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.records.filter((r) => r.type === 'priority' && r.host === 'A')).toEqual([expect.objectContaining({ from: 100, to: 70 })]);
    expect(outcome.result.vips.B).toContain('10.20.0.51');
  });

  it('warns that a scenario model for the unused script is never used, and not when the script runs', () => {
    const unused = run(true, { chk: { kind: 'service', service: 'nginx' } });
    expect(unused.ok && unused.warnings).toEqual([expect.stringContaining('vrrp_script chk is tracked by nothing keepalived keeps')]);
    const used = run(false, { chk: { kind: 'service', service: 'nginx' } });
    expect(used.ok && used.warnings).toEqual([]);
  });
});

describe('a sync group track_file in simulate', () => {
  it("applies value x weight to every member, as keepalived does (a write of 2 with weight -20: 100 -> 60 on both), and not before the write", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-sgf-'));
    try {
      const file = path.join(dir, 'A.conf');
      const group = 'vrrp_sync_group SG {\n    group {\n        VI_1\n        VI_2\n    }\n    track_file {\n        tf\n    }\n}\n';
      fs.writeFileSync(file, 'vrrp_track_file tf {\n    file "/run/flag"\n    weight -20\n}\n' + group + instance('VI_1', 51) + instance('VI_2', 52));
      const scenario: Scenario = {
        name: 'sgf', directory: dir, durationMs: 12_000, scripts: 'model', hosts: [{ name: 'A', address: '10.20.0.1', configPath: file }],
        services: {}, checks: {}, notify: {},
        timeline: [{ do: 'start', host: 'A', atMs: 0 }, { do: 'write', host: 'A', path: '/run/flag', value: '2', atMs: 8000 }],
        flapping: { transitions: 4, windowMs: 60_000 },
      };
      const outcome = runScenario(scenario);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const changes = outcome.result.records.flatMap((r) => (r.type === 'priority' ? [`${r.t >= 8 ? 'after' : 'before'} ${r.instance} ${r.from}->${r.to}`] : []));
      expect(changes.sort()).toEqual(['after VI_1 100->60', 'after VI_2 100->60']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('repeated definitions and lines', () => {
  it('runs the first of two vrrp_script blocks of one name and leaves the second unused, as keepalived does', () => {
    const r = load(SCRIPT + SCRIPT.replace('pidof nginx', 'pidof haproxy') + instance('VI_1', 51, TRACK));
    expect(r.config.scripts.map((x) => [x.script, x.unused === true])).toEqual([['/usr/bin/pidof nginx', false], ['/usr/bin/pidof haproxy', true]]);
    expect(r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.message)).toEqual(['Warning - script chk is not used']);
    expect(load(SCRIPT + instance('VI_1', 51, TRACK)).config.scripts[0].unused).toBeUndefined();
  });

  it('skips a second vrrp_sync_group of one name, and drops a member a group already holds from the later group', () => {
    const again = load(GROUP + GROUP + instance('VI_1', 51) + instance('VI_2', 52));
    expect(again.diagnostics.map((d) => d.message)).toEqual(['vrrp sync group SG already defined']);
    expect(again.config.syncGroups.length).toBe(1);
    const two = load(GROUP + GROUP.replace('SG', 'SG2').replace('VI_1\n        VI_2', 'VI_3\n        VI_1') + instance('VI_1', 51) + instance('VI_2', 52) + instance('VI_3', 53));
    expect(two.diagnostics.map((d) => d.message)).toEqual([
      'Virtual router VI_1 cannot exist in more than one sync group; ignoring SG2',
      "Sync group SG2 has only 1 virtual router(s) - this probably isn't what you want",
    ]);
    expect(two.config.instances.map((v) => `${v.name}:${v.syncGroup}`)).toEqual(['VI_1:SG', 'VI_2:SG', 'VI_3:SG2']);
    expect(load(GROUP + instance('VI_1', 51) + instance('VI_2', 52)).diagnostics).toEqual([]);
  });

  it('drops a repeated track_script or track_interface line, keeping the first one and its weight', () => {
    const r = load(SCRIPT + instance('VI_1', 51, '    track_script {\n        chk\n        chk weight -5\n    }\n    track_interface {\n        eth8\n        eth8 weight 3\n    }\n'));
    expect(r.diagnostics.filter((d) => !d.message.startsWith('SECURITY')).map((d) => `${d.location?.line}: ${d.message}`)).toEqual([
      '16: (VI_1) duplicate track_script chk - ignoring',
      '20: (VI_1) duplicate track_interface eth8 - ignoring',
    ]);
    expect(r.config.instances[0].trackScripts.map((t) => [t.name, t.weight])).toEqual([['chk', undefined]]);
    expect(r.config.instances[0].trackInterfaces.map((t) => [t.name, t.weight])).toEqual([['eth8', undefined]]);
  });
});

describe('a track_file of weight 1 in a sync group member', () => {
  const FILE1 = 'track_file tf {\n    file "/run/flag"\n}\n';
  const TRACKF = '    track_file {\n        tf\n    }\n';

  it('is kept with weight 0, with keepalived\'s "specify weight 0" line, where weight 2 is dropped', () => {
    const r = load(FILE1 + GROUP + instance('VI_1', 51, TRACKF) + instance('VI_2', 52));
    expect(r.diagnostics.map((d) => d.message)).toEqual(['(VI_1) ignoring weight from tracked file tf due to SYNC group. specify weight 0']);
    expect(r.config.instances[0].trackFiles).toEqual([expect.objectContaining({ name: 'tf', weight: 0 })]);
    const two = load(FILE1.replace('}', '    weight 2\n}') + GROUP + instance('VI_1', 51, TRACKF) + instance('VI_2', 52));
    expect(two.config.instances[0].trackFiles).toEqual([]);
  });

  it('faults the group in simulate when the file holds a non-zero value, and recovers at 0 (lab: write 3 -> FAULT, 0 -> BACKUP)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-sgf1-'));
    try {
      const file = path.join(dir, 'A.conf');
      fs.writeFileSync(file, FILE1 + GROUP + instance('VI_1', 51, TRACKF) + instance('VI_2', 52));
      const scenario: Scenario = {
        name: 'sgf1', directory: dir, durationMs: 14_000, scripts: 'model', hosts: [{ name: 'A', address: '10.20.0.1', configPath: file }],
        services: {}, checks: {}, notify: {},
        timeline: [
          { do: 'start', host: 'A', atMs: 0 },
          { do: 'write', host: 'A', path: '/run/flag', value: '3', atMs: 6000 },
          { do: 'write', host: 'A', path: '/run/flag', value: '0', atMs: 9000 },
        ],
        flapping: { transitions: 10, windowMs: 60_000 },
      };
      const outcome = runScenario(scenario);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const states = outcome.result.records.flatMap((r) => (r.type === 'transition' && r.t >= 6 ? [`${r.instance} ${r.to}`] : []));
      expect(states.slice(0, 4).sort()).toEqual(['VI_1 BACKUP', 'VI_1 FAULT', 'VI_2 BACKUP', 'VI_2 FAULT']);
      expect(outcome.result.records.filter((r) => r.type === 'priority')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tracking references in any order (property)', () => {
  const names = ['a', 'b', 'c'];
  const ref = fc.record({ name: fc.constantFrom(...names), weight: fc.constantFrom(undefined, 0, 1, -7) });
  const refs = (kw: string, list: { name: string; weight?: number }[]) =>
    list.length === 0 ? '' : `    ${kw} {\n${list.map((r) => `        ${r.name}${r.weight === undefined ? '' : ` weight ${r.weight}`}`).join('\n')}\n    }\n`;
  const block = fc.oneof(
    fc.record({ kind: fc.constant('script' as const), name: fc.constantFrom(...names), weight: fc.constantFrom(0, 1, -7) }),
    fc.record({ kind: fc.constant('file' as const), name: fc.constantFrom(...names), weight: fc.constantFrom(0, 1, -7) }),
    fc.record({ kind: fc.constant('instance' as const), vrid: fc.integer({ min: 1, max: 4 }), priority: fc.constantFrom(100, 255), scripts: fc.array(ref, { maxLength: 3 }), files: fc.array(ref, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('group' as const), name: fc.constantFrom('G1', 'G2'), members: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), scripts: fc.array(ref, { maxLength: 2 }), files: fc.array(ref, { maxLength: 2 }) }),
  );
  const text = (blocks: Array<Record<string, unknown>>): string =>
    blocks
      .map((b) => {
        if (b.kind === 'script') return `vrrp_script ${String(b.name)} {\n    script "/bin/true"\n    weight ${String(b.weight)}\n}\n`;
        if (b.kind === 'file') return `track_file ${String(b.name)} {\n    file "/run/${String(b.name)}"\n    weight ${String(b.weight)}\n}\n`;
        if (b.kind === 'instance') {
          return `vrrp_instance VI_${String(b.vrid)} {\n    interface eth0\n    virtual_router_id ${String(b.vrid)}\n    priority ${String(b.priority)}\n    virtual_ipaddress {\n        10.9.0.${String(b.vrid)}/24\n    }\n` +
            refs('track_script', b.scripts as { name: string }[]) + refs('track_file', b.files as { name: string }[]) + '}\n';
        }
        return `vrrp_sync_group ${String(b.name)} {\n    group {\n${(b.members as number[]).map((m) => `        VI_${m}`).join('\n')}\n    }\n` +
          refs('track_script', b.scripts as { name: string }[]) + refs('track_file', b.files as { name: string }[]) + '}\n';
      })
      .join('');

  it('keeps only references to blocks defined above them, once each, never a weighted one in a sync group member or owner, and marks unused exactly the scripts nothing keeps', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 10 }), (blocks) => {
        const source = text(blocks as Array<Record<string, unknown>>);
        const r = load(source);
        const { config } = r;
        const lines = source.split('\n');
        const definedAt = (kw: string, name: string) => lines.findIndex((l) => l === `${kw} ${name} {`) + 1;
        const owners = [...config.instances, ...config.syncGroups];
        for (const o of owners) {
          for (const [list, kw] of [[o.trackScripts, 'vrrp_script'], [o.trackFiles, 'track_file']] as const) {
            expect(new Set(list.map((x) => x.name)).size).toBe(list.length);
            for (const x of list) {
              const at = definedAt(kw, x.name);
              expect(at > 0 && at < x.location.line, `${x.name} at ${x.location.line}\n${source}`).toBe(true);
            }
          }
        }
        const weights = new Map<string, number>();
        for (const sc of config.scripts) if (!weights.has(sc.name)) weights.set(sc.name, sc.weight);
        for (const v of config.instances) {
          const grouped = config.syncGroups.some((g) => g.members.includes(v.name) && g.trackingWeight !== true);
          if (!grouped && v.priority !== 255) continue;
          for (const x of v.trackScripts) expect(x.weight ?? weights.get(x.name)).toBe(0);
          for (const x of v.trackFiles) expect(x.weight === 0 || (x.weight === undefined && config.trackFiles.find((f) => f.name === x.name)?.weight === 0)).toBe(true);
        }
        const kept = new Set(owners.flatMap((o) => o.trackScripts.map((x) => x.name)));
        const seen = new Set<string>();
        for (const sc of config.scripts) {
          const first = !seen.has(sc.name);
          seen.add(sc.name);
          expect(sc.unused === true, sc.name).toBe(!(first && kept.has(sc.name)));
        }
      }),
      { numRuns: 400 },
    );
  });
});

