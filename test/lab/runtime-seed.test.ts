/**
 * The seed pair on two vrrplab hosts, with the seed's real track and notify scripts (fixed
 * variant; haproxy is a flag file per host, as in ../shared/captures-reference/how-made/gen.sh),
 * on the reference recording's timeline. keepalived 2.2.7 in `seed-fixed-f1`: A holds VI_1 and B
 * VI_2 after start-up; with A stopped (SIGTERM) B holds both; A restarted gets VI_1 back
 * (about 4 s later: its priority 104 beats B's 103 once A's down timer fires).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { addresses, ensureBuilt, exited, sleep, startDaemon, waitFor } from '../runtime/lab-helpers.js';

const VIP1 = '172.16.25.10';
const VIP2 = '172.16.25.11';

/** Writes host H's directory as gen.sh does (fixed notify script); returns its keepalived.conf. */
function seedHost(root: string, host: 'A' | 'B'): string {
  const d = join(root, host);
  mkdirSync(d, { recursive: true });
  const [p1, p2, s1, s2] = host === 'A' ? [100, 99, 'MASTER', 'BACKUP'] : [99, 100, 'BACKUP', 'MASTER'];
  const script = (name: string, text: string) => {
    writeFileSync(join(d, name), text);
    chmodSync(join(d, name), 0o755);
  };
  script('chk_haproxy.sh', `#!/bin/sh\n[ -f ${d}/haproxy.up ]\n`);
  script('chk_down.sh', `#!/bin/sh\n[ -f ${d}/down ] && exit 1 || exit 0\n`);
  script('notify.sh', `#!/bin/bash
echo "$(date +%s.%N) ${host} $1 $2" >> ${root}/notify.log
case "$1" in
  master) touch ${d}/haproxy.up ;;
  backup) : haproxy stays up ;;
  fault)  : haproxy stays up ;;
  *) exit 1 ;;
esac
exit 0
`);
  writeFileSync(join(d, 'haproxy.up'), '');
  const instance = (name: string, state: string, priority: number, vrid: number, pass: string, vip: string, label: string) => `vrrp_instance ${name} {
    interface eth0
    state ${state}
    priority ${priority}
    virtual_router_id ${vrid}
    garp_master_delay 1
    authentication {
        auth_type PASS
        auth_pass ${pass}
    }
    track_interface {
       eth0
    }
    virtual_ipaddress {
        ${vip}/16 dev eth0 label ${label}
    }
    track_script {
        chk_haproxy
        chk_maintaince_down
    }
    notify_master "${d}/notify.sh master ${vip}"
    notify_backup "${d}/notify.sh backup ${vip}"
    notify_fault "${d}/notify.sh fault ${vip}"
}
`;
  const conf = join(d, 'keepalived.conf');
  writeFileSync(conf, `! Configuration File for keepalived (seed scenario, host ${host})
global_defs {
   router_id LVS_DEVEL_${host}
   script_user root
}
vrrp_script chk_maintaince_down {
   script "${d}/chk_down.sh"
   interval 1
   weight 2
}
vrrp_script chk_haproxy {
    script "${d}/chk_haproxy.sh"
    interval 1
    weight 2
}
${instance('VI_1', s1, p1, 125, '1e3459f77aba4ded', VIP1, 'eth0:0')}${instance('VI_2', s2, p2, 126, '7615c4b7f518cede', VIP2, 'eth0:1')}`);
  return conf;
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable()) await ensureBuilt();
});

describe('the seed pair on two vrrplab hosts', () => {
  it('ends each phase as keepalived did in seed-fixed-f1: A VI_1 and B VI_2, B both while A is stopped, VI_1 back to A after its restart', async (ctx) => {
    requireLab(ctx);
    const lab = made.lab();
    const dir = made.scratch('vlseed');
    const root = dir;
    const confs = { A: seedHost(root, 'A'), B: seedHost(root, 'B') };
    const held = (host: number) => addresses(lab, host).filter((a) => a === VIP1 || a === VIP2).sort();
    const exactly = (host: number, vips: string[]) => JSON.stringify(held(host)) === JSON.stringify(vips);
    const settled = () => exactly(0, [VIP1]) && exactly(1, [VIP2]);

    let a = startDaemon(lab, 0, 'vrrplab', confs.A, root);
    const b = startDaemon(lab, 1, 'vrrplab', confs.B, root);
    // keepalived: both VIPs placed 3-4 s after start (recording: by 5.1 s from a start at 1.0 s).
    expect(await waitFor(settled, 12_000)).toBeGreaterThanOrEqual(0);
    await sleep(2000);
    expect(settled()).toBe(true);

    // Stop A (SIGTERM): B takes VI_1 as well.
    a.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
    expect(await waitFor(() => exactly(1, [VIP1, VIP2]), 5000)).toBeGreaterThanOrEqual(0);
    expect(held(0)).toEqual([]);
    await sleep(2000);
    expect(exactly(1, [VIP1, VIP2])).toBe(true);

    // Start A again: VI_1 comes back to A, B keeps VI_2.
    a = startDaemon(lab, 0, 'vrrplab', confs.A, root);
    const back = await waitFor(settled, 12_000);
    expect(back).toBeGreaterThanOrEqual(0);
    process.stderr.write(`runtime seed lab: VI_1 back on A ${(back / 1000).toFixed(1)} s after its restart (keepalived: ~4 s)\n`);
    await sleep(1500);
    expect(settled()).toBe(true);

    const notify = readFileSync(join(root, 'notify.log'), 'utf8');
    expect(notify).toMatch(new RegExp(`A master ${VIP1.replace(/\./g, '\\.')}`));
    expect(notify).toMatch(new RegExp(`B master ${VIP2.replace(/\./g, '\\.')}`));
    for (const started of [a, b]) expect(started.log()).not.toMatch(/Cannot start|TypeError|RangeError|uncaught/i);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
    expect(await exited(b.child)).toBe(0);
  }, 60_000);
});
