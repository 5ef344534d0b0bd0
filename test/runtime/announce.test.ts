import { describe, expect, it } from 'vitest';
import { Announcer } from '../../src/runtime/announce.js';

describe('announcing a VIP', () => {
  it('reports, rather than throws, what it cannot announce', () => {
    const announcer = new Announcer();
    expect(announcer.announce('eth0', 2, undefined, '10.0.0.1')).toEqual({ ok: false, error: 'no link-layer address on eth0' });
    expect(announcer.announce('eth0', 2, '02:00:5e:00:01:07', '10.0.0')).toEqual({ ok: false, error: 'bad address 10.0.0 or MAC 02:00:5e:00:01:07' });
    expect(announcer.announce('eth0', 2, 'not-a-mac', '2001:db8::1')).toEqual({ ok: false, error: 'bad address 2001:db8::1 or MAC not-a-mac' });
    announcer.close();
  });
});
