/**
 * Lab tier: real `keepalived -t -f FILE` on every corpus file (and the seed config), compared
 * with vrrplab's check: same exit status, and keepalived prints the gist the corpus file states.
 * keepalived runs inside a test namespace holding eth0 (and eth9, used by full.conf, and tun0, a
 * non-Ethernet interface for use_vmac).
 */
import { spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { corpus, labInterfaces } from '../config/corpus.js';
import { createLab, labAvailable, requireLab, type Lab } from './lab.js';
import { exited, scratchDir, startDaemon, waitFor } from '../runtime/lab-helpers.js';

let lab: Lab | undefined;

beforeAll(() => {
  if (!labAvailable(['ip', 'keepalived'])) return;
  lab = createLab({ hosts: 2 });
  const ns = lab.hosts[0].ns;
  spawnSync('ip', ['-n', ns, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth8'], { stdio: 'ignore' });
  spawnSync('ip', ['-n', ns, 'link', 'set', 'eth9', 'up'], { stdio: 'ignore' });
  // A non-Ethernet interface (ARPHRD_NONE), where keepalived makes no VMAC.
  spawnSync('ip', ['-n', ns, 'tuntap', 'add', 'tun0', 'mode', 'tun'], { stdio: 'ignore' });
  spawnSync('ip', ['-n', ns, 'link', 'set', 'tun0', 'up'], { stdio: 'ignore' });
});

afterAll(async () => {
  await lab?.destroy();
});

function keepalivedT(file: string): { status: number; lines: string[] } {
  const ns = (lab as Lab).hosts[0].ns;
  const r = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', file], { encoding: 'utf8', timeout: 20_000 });
  // keepalived reads the file once per process type, repeating some messages; "(Line N)" ones lack the file.
  const lines = [...new Set(`${r.stdout}${r.stderr}`.split('\n').filter((l) => l !== '' && !l.startsWith('(Line ')))];
  // Killed by a signal (a segmentation fault on some configs): the shell's 128 + signal number.
  return { status: r.status ?? (r.signal !== null ? 128 + osConstants.signals[r.signal] : -1), lines };
}

function vrrplab(file: string): { status: number; lines: string[] } {
  // As `vrrplab check --local` run inside the namespace: the namespace's interfaces are looked up.
  const r = loadConfig(file, { interfaces: labInterfaces });
  return { status: r.exitStatus, lines: r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic) };
}

describe('vrrplab check against keepalived -t', () => {
  for (const c of corpus()) {
    it(`${c.name}: same exit status (${c.exitStatus}) and message gist as keepalived -t`, (ctx) => {
      requireLab(ctx, ['ip', 'keepalived']);
      const real = keepalivedT(c.file);
      const ours = vrrplab(c.file);
      expect(real.status, real.lines.join('\n')).toBe(c.exitStatus);
      expect(ours.status, ours.lines.join('\n')).toBe(real.status);
      for (const gist of c.expect) {
        expect(real.lines.join('\n'), 'keepalived').toContain(gist);
        expect(ours.lines.join('\n'), 'vrrplab').toContain(gist);
      }
    });
  }

  it('the seed config gives exactly the messages keepalived -t prints, and its exit status 6', (ctx) => {
    requireLab(ctx, ['ip', 'keepalived']);
    const file = path.resolve('examples/seed/buggy/A/etc/keepalived/keepalived.conf');
    const real = keepalivedT(file);
    const ours = vrrplab(file);
    expect(real.status).toBe(6);
    expect(ours.status).toBe(6);
    expect(ours.lines.sort()).toEqual(real.lines.sort());
  });
});

describe('a running keepalived with weighted tracking in a sync group, against the model', () => {
  const CONF = `vrrp_script chk {
    script "/bin/false"
    interval 1
    weight -30
}
vrrp_sync_group SG {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.0.1/24
    }
    track_script {
        chk
    }
    track_interface {
        eth9 weight -10
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.0.2/24
    }
}
`;

  it('drops the script unused and never runs it, yet applies the interface weight it says it ignores, as the model does', async (ctx) => {
    requireLab(ctx, ['ip', 'keepalived']);
    const l = lab as Lab;
    const scratch = scratchDir('vrrplab-sg-live');
    let daemon: ReturnType<typeof startDaemon> | undefined;
    try {
      const conf = path.join(scratch.dir, 'keepalived.conf');
      fs.writeFileSync(conf, CONF);
      daemon = startDaemon(l, 0, 'keepalived', conf, scratch.dir);
      const started = daemon;
      expect(await waitFor(() => started.log().includes('(VI_1) Entering MASTER STATE'), 10_000)).toBeGreaterThanOrEqual(0);
      const ns = l.hosts[0].ns;
      spawnSync('ip', ['-n', ns, 'link', 'set', 'eth9', 'down'], { stdio: 'ignore' });
      const lowered = await waitFor(() => started.log().includes('(VI_1) Changing effective priority from 100 to 90'), 5000);
      spawnSync('ip', ['-n', ns, 'link', 'set', 'eth9', 'up'], { stdio: 'ignore' });
      const log = started.log();
      expect(log).toContain('(VI_1) ignoring eth9 tracked interface weight due to SYNC group');
      expect(log).toContain('(VI_1) ignoring tracked script chk with weights due to SYNC group');
      expect(log).toContain('Warning - script chk is not used');
      // /bin/false every second: had it run, it would have failed long since.
      expect(log).not.toContain('VRRP_Script(chk)');
      expect(lowered, log).toBeGreaterThanOrEqual(0);

      const model = loadConfig(conf, { interfaces: labInterfaces });
      const messages = model.diagnostics.map((d) => d.message);
      expect(messages).toEqual(expect.arrayContaining(['(VI_1) ignoring eth9 tracked interface weight due to SYNC group', '(VI_1) ignoring tracked script chk with weights due to SYNC group', 'Warning - script chk is not used']));
      expect(model.config.scripts[0]?.unused).toBe(true);
      expect(model.config.instances[0]?.trackInterfaces).toEqual([expect.objectContaining({ name: 'eth9', weight: -10 })]);
    } finally {
      // keepalived stops its VRRP child on SIGTERM; ended by PID (lab.destroy() would too).
      if (daemon?.child.pid !== undefined && daemon.child.exitCode === null) {
        daemon.child.kill('SIGTERM');
        await exited(daemon.child);
      }
      scratch.remove();
    }
  });
});

describe('a running keepalived with a vrrp_script defined below the instance that tracks it', () => {
  const CONF = `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.0.1/24
    }
    track_script {
        chk
    }
}
vrrp_script chk {
    script "/bin/false"
    interval 1
    weight -30
}
`;

  it('never tracks nor runs it (priority stays 100), as the model, which drops the reference and marks the script unused', async (ctx) => {
    requireLab(ctx, ['ip', 'keepalived']);
    const l = lab as Lab;
    const scratch = scratchDir('vrrplab-order-live');
    let daemon: ReturnType<typeof startDaemon> | undefined;
    try {
      const conf = path.join(scratch.dir, 'keepalived.conf');
      fs.writeFileSync(conf, CONF);
      daemon = startDaemon(l, 0, 'keepalived', conf, scratch.dir);
      const started = daemon;
      expect(await waitFor(() => started.log().includes('(VI_1) Entering MASTER STATE'), 10_000)).toBeGreaterThanOrEqual(0);
      // Three script intervals: a tracked /bin/false would have failed and lowered the priority by now.
      await new Promise((done) => setTimeout(done, 3000));
      const log = started.log();
      expect(log).toContain('(VI_1) track script chk not found, ignoring...');
      expect(log).toContain('Warning - script chk is not used');
      expect(log).not.toContain('VRRP_Script(chk)');
      expect(log).not.toContain('Changing effective priority');

      const model = loadConfig(conf, { interfaces: labInterfaces });
      expect(model.config.instances[0]?.trackScripts).toEqual([]);
      expect(model.config.scripts[0]?.unused).toBe(true);
    } finally {
      if (daemon?.child.pid !== undefined && daemon.child.exitCode === null) {
        daemon.child.kill('SIGTERM');
        await exited(daemon.child);
      }
      scratch.remove();
    }
  });
});

