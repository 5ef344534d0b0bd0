/**
 * `compare` on the FRR interop captures (captures/frr): the engine, as the vrrplab host and fed
 * FRR's recorded adverts, sends what `vrrplab run` sent beside FRR (takeover on FRR's priority-0
 * advert, silence after FRR preempts it back).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCapture } from '../../src/compare/capture.js';
import { replayCapture } from '../../src/replay/replay.js';

const scratch = mkdtempSync(join(tmpdir(), 'vrrplab-compare-frr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('compare as the vrrplab host beside FRR', () => {
  for (const [variant, version, vip] of [['v2-ipv4', 2, '172.16.25.100/16'], ['v3-ipv4', 3, '172.16.25.100/16'], ['v3-ipv6', 3, 'fd00::100/64']] as const) {
    it(`${variant}: matches every advert vrrplab run sent, FRR (200) master first`, () => {
      const capture = `captures/frr/${variant}-frr-master.pcap`;
      const config = join(scratch, `${variant}.conf`);
      writeFileSync(config, `vrrp_instance VI_FRR {\n  interface eth0\n  state BACKUP\n  priority 100\n  virtual_router_id 5\n  advert_int 1\n${version === 3 ? '  version 3\n' : ''}  virtual_ipaddress {\n    ${vip} dev eth0\n  }\n}\n`);
      // vrrplab's address: the master that held the VIP while FRR was shut down.
      const ours = replayCapture(capture).records.flatMap((r) => (r.type === 'master' && r.priority === 100 ? [r.src] : []))[0]!;
      const outcome = compareCapture({ capture, config, host: ours });
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.report.mismatches).toEqual([]);
      expect(outcome.report.adverts.recorded).toBeGreaterThanOrEqual(5);
      expect(outcome.report.pass).toBe(true);
    });
  }
});
