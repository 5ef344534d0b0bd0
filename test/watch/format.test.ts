import { describe, expect, it } from 'vitest';
import { jsonLine, summary, textLine, view } from '../../src/watch/format.js';
import { Watcher } from '../../src/watch/watcher.js';
import { ethernet, vrrpIpv4 } from '../capture/craft.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

/** A master of VRID 51 for 5 s, then silent until 12 s. */
function silentMaster(): Watcher {
  const w = new Watcher({ iface: 'eth0' });
  for (let t = 0; t <= 5; t++) w.frame(T0 + t * 1000, ethernet(vrrpIpv4({ src: '10.0.0.1', vrid: 51, priority: 150 }), 0x0800), 1);
  for (let t = 5; t <= 12; t += 0.1) w.tick(T0 + t * 1000);
  return w;
}

describe('watch output', () => {
  it('the terminal view has a row per VRID with its master, priority, interval and counts, and the active alerts below', () => {
    const w = silentMaster();
    const lines = view(w, T0 + 12_000, 'header');
    expect(lines[0]).toBe('header');
    expect(lines[1]).toMatch(/^IFACE\s+VRID\s+MASTER\s+PRIO\s+INT\s+SINCE\s+BACKUPS\s+ADVERTS\s+GARPS\s+ERRORS$/);
    expect(lines[2]).toMatch(/^eth0\s+51\s+10\.0\.0\.1\s+150\s+1s\s+12s\s+0\s+6\s+0\s+0$/);
    expect(lines).toContain('1 active alert:');
    expect(lines.find((l) => l.includes('master-silent'))).toContain('no advert for VRID 51');
  });

  it('an empty LAN says so, and a healthy one has no active alert', () => {
    expect(view(new Watcher(), T0, 'h')).toContain('(no VRRP advert heard yet)');
    const w = new Watcher();
    w.frame(T0, vrrpIpv4({ src: '10.0.0.1', vrid: 7, priority: 100 }), 101);
    expect(view(w, T0, 'h')).toContain('No active alert.');
  });

  it('plain and JSON lines carry the event, its times and its evidence', () => {
    const w = silentMaster();
    // Replay the watcher's events through the formatters.
    const events = [...(function* () {
      const x = new Watcher({ iface: 'eth0' });
      for (let t = 0; t <= 5; t++) x.frame(T0 + t * 1000, vrrpIpv4({ src: '10.0.0.1', vrid: 51, priority: 150 }), 101);
      for (let t = 5; t <= 12; t += 0.1) x.tick(T0 + t * 1000);
      yield* x.poll();
    })()];
    expect(events.map((e) => e.type)).toEqual(['master', 'alert']);
    expect(textLine(events[0])).toBe('2026-12-06 12:00:00.000  eth0  VRID 51  10.0.0.1 is master (priority 150)');
    expect(textLine(events[1])).toMatch(/^2026-12-06 12:00:09\.\d{3}  eth0  VRID 51  ALERT master-silent raised: no advert for VRID 51 for 4\.\d s/);
    const json = JSON.parse(jsonLine(events[1])) as Record<string, unknown>;
    expect(json).toMatchObject({ type: 'alert', action: 'raised', kind: 'master-silent', iface: 'eth0', vrid: 51, family: 4 });
    expect(typeof json.at).toBe('number');
    expect(summary(w, T0 + 12_000, new Map([['master-silent', 1]]))).toEqual([
      'watched 6 frames on eth0; 1 VRIDs',
      '  VRID 51: master 10.0.0.1 (priority 150, every 1s), 6 adverts, 0 GARP/NA, 0 errors',
      '  alerts raised: master-silent x1',
      '  still active: master-silent (VRID 51)',
    ]);
  });
});
