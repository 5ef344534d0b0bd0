/**
 * Lab tier, issue 13: of two keepalived hosts with equal priority started 10 ms apart, the one
 * whose instance enters BACKUP first wins (its Master_Down_Interval runs out first). On an idle
 * machine keepalived's exec-to-init latency is steady, so that is the earlier host every time;
 * under load (other tests running, as in CI) a start is sometimes 20 ms late and the later host
 * wins. The test asserts the rule that holds either way, and records how often the earlier host
 * won. The simulator's default start-up latency is steady (70 ms; `start-jitter: true` spreads it),
 * so it gives the earlier host the win, as the idle lab does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { sleep, startDaemon, waitFor, type Started } from '../runtime/lab-helpers.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';

const made = removedAfterEach();

const CONFIG = `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 51
  advert_int 1
  virtual_ipaddress {
    172.16.25.100/16
  }
}
`;

const ROUNDS = 7;

describe('two hosts with equal priority started 10 ms apart', () => {
  it('the host whose instance enters BACKUP first wins in keepalived, and the simulator with its steady start-up gives the earlier-started host the win', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vlrace');
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, CONFIG);
    const rounds: { first: number; winner: number; initMs: number[]; initAt: number[] }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const lab = made.lab();
      // The kernel reports a fresh veth's carrier up to a second late (linkwatch); keepalived waits
      // for it ("Netlink reports eth0 up"), so both links must be up before the race starts.
      expect(await waitFor(() => [0, 1].every((h) => /state UP/.test(lab.exec(h, ['ip', 'link', 'show', 'eth0']))), 5000)).toBeGreaterThanOrEqual(0);
      const first = round % 2;
      const order = [first, 1 - first];
      const started: Started[] = [];
      const t0: number[] = [];
      const init: number[] = [Number.NaN, Number.NaN];
      const initAt: number[] = [Number.NaN, Number.NaN];
      for (const [i, host] of order.entries()) {
        if (i > 0) await sleep(10);
        t0[host] = performance.now();
        const daemon = startDaemon(lab, host, 'keepalived', conf, dir, { detail: false });
        daemon.child.stdout?.on('data', () => {
          if (Number.isNaN(init[host]!) && /Entering BACKUP STATE/.test(daemon.log())) {
            initAt[host] = performance.now();
            init[host] = initAt[host]! - t0[host]!;
          }
        });
        daemon.child.stderr?.on('data', () => {
          if (Number.isNaN(init[host]!) && /Entering BACKUP STATE/.test(daemon.log())) {
            initAt[host] = performance.now();
            init[host] = initAt[host]! - t0[host]!;
          }
        });
        started[host] = daemon;
      }
      const masterOf = (): number => started.findIndex((d) => /Entering MASTER STATE/.test(d.log()));
      expect(await waitFor(() => masterOf() >= 0, 8000)).toBeGreaterThanOrEqual(0);
      rounds.push({ first, winner: masterOf(), initMs: init.map((ms) => Math.round(ms)), initAt: initAt.map((t) => t - t0[first]!) });
      await lab.destroy();
    }
    console.log('startup race (lab):', JSON.stringify(rounds));
    // The host that entered BACKUP first wins, whenever the two did so more than 5 ms apart (closer
    // than that, the two down timers run out within the advert's way across). On an idle machine
    // that is the earlier host in every round (5 of 5, then 6 of 7 under load, in the lab's runs).
    const clear = rounds.filter((r) => Math.abs((r.initAt[0] ?? 0) - (r.initAt[1] ?? 0)) > 5);
    expect(clear.length).toBeGreaterThan(0);
    for (const r of clear) expect(r.winner, JSON.stringify(r)).toBe((r.initAt[0] ?? 0) < (r.initAt[1] ?? 0) ? 0 : 1);
    console.log(`startup race (lab): the earlier-started host won ${rounds.filter((r) => r.winner === r.first).length} of ${ROUNDS} rounds`);

    // The simulator: steady start-up latency, the earlier host wins whichever it is.
    for (const first of ['A', 'B']) {
      const second = first === 'A' ? 'B' : 'A';
      const yaml = ['name: race', 'duration: 6s', 'hosts:', `  A: { config: ${conf}, address: 172.16.25.1 }`, `  B: { config: ${conf}, address: 172.16.25.2 }`,
        'timeline:', `  - { at: 0s, host: ${first}, do: start }`, `  - { at: 10ms, host: ${second}, do: start }`].join('\n');
      const parsed = parseScenario(yaml, dir, 'race.yaml');
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
      const outcome = runScenario(parsed.scenario);
      if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
      const masters = outcome.result.records.filter((r) => r.type === 'transition' && r.to === 'MASTER').map((r) => (r.type === 'transition' ? r.host : ''));
      expect(masters).toEqual([first]);
    }
  }, 90_000);
});
