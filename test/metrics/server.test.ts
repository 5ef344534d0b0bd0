import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, parseListen, serveMetrics } from '../../src/metrics/server.js';
import type { MetricsSnapshot } from '../../src/metrics/snapshot.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(listen: string, snapshot: () => MetricsSnapshot) {
  const s = await serveMetrics(listen, snapshot);
  servers.push(s);
  return s;
}

const snap = (state: 'MASTER' | 'BACKUP'): MetricsSnapshot => ({
  source: 'run',
  atSec: 1,
  alerts: [],
  vrids: [{ instance: 'VI_1', iface: 'eth0', vrid: 51, family: 4, state, counters: { advert_sent: 3 } }],
});

describe('metrics server', () => {
  it('serves /metrics in the text format 0.0.4, rendering a new snapshot at every scrape', async () => {
    let state: 'MASTER' | 'BACKUP' = 'BACKUP';
    const s = await serve('127.0.0.1:0', () => snap(state));
    expect(s.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const first = await fetch(`http://${s.address}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await first.text()).toContain('keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",family="4",ip_address=""} 1\n');
    state = 'MASTER';
    expect(await (await fetch(`http://${s.address}/metrics`)).text()).toContain('ip_address=""} 2\n');
  });

  it('answers HEAD /metrics with the headers of the GET and no body', async () => {
    const s = await serve('127.0.0.1:0', () => snap('MASTER'));
    const get = await fetch(`http://${s.address}/metrics`);
    const head = await fetch(`http://${s.address}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(await get.text()));
    expect(await head.text()).toBe('');
  });

  it('answers / with an index linking /metrics, 404 elsewhere and 405 to a POST', async () => {
    const s = await serve('127.0.0.1:0', () => snap('MASTER'));
    const index = await fetch(`http://${s.address}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('href="/metrics"');
    expect((await fetch(`http://${s.address}/metric`)).status).toBe(404);
    const post = await fetch(`http://${s.address}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('listens on IPv6 as [ADDR]:PORT and on every address as :PORT', async () => {
    const six = await serve('[::1]:0', () => snap('MASTER'));
    expect(six.address).toMatch(/^\[::1\]:\d+$/);
    expect((await fetch(`http://${six.address}/metrics`)).status).toBe(200);
    const any = await serve(':0', () => snap('MASTER'));
    const port = any.address.split(':').at(-1);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  });

  it('answers 500 when the snapshot throws, and the next scrape works', async () => {
    let fail = true;
    const s = await serve('127.0.0.1:0', () => {
      if (fail) throw new Error('boom');
      return snap('MASTER');
    });
    const bad = await fetch(`http://${s.address}/metrics`);
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('boom');
    fail = false;
    expect((await fetch(`http://${s.address}/metrics`)).status).toBe(200);
  });

  it('keeps answering while a slow client sits on half a request, and drops that client after the headers timeout', async () => {
    const s = await serve('127.0.0.1:0', () => snap('MASTER'));
    const [host, port] = [s.address.split(':')[0], Number(s.address.split(':')[1])];
    const slow = connect(port, host);
    await new Promise((done) => slow.once('connect', done));
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'); // never ends its headers
    const closed = new Promise<number>((done) => {
      const from = Date.now();
      slow.once('close', () => done(Date.now() - from));
    });
    slow.on('error', () => undefined);
    const started = Date.now();
    expect((await fetch(`http://${s.address}/metrics`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
    expect(await closed).toBeLessThan(HEADERS_TIMEOUT_MS + 1500);
  });

  it('rejects a listen address it cannot use, with the reason', async () => {
    await expect(serveMetrics('localhost', () => snap('MASTER'))).rejects.toThrow(/expected ADDR:PORT/);
    const s = await serve('127.0.0.1:0', () => snap('MASTER'));
    await expect(serveMetrics(s.address, () => snap('MASTER'))).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('--listen addresses', () => {
  it('reads ADDR:PORT, [IPV6]:PORT and :PORT', () => {
    expect(parseListen('10.0.0.1:9100')).toEqual({ ok: true, address: { host: '10.0.0.1', port: 9100 } });
    expect(parseListen('[fe80::1%eth0]:9100')).toEqual({ ok: true, address: { host: 'fe80::1%eth0', port: 9100 } });
    expect(parseListen('[::]:0')).toEqual({ ok: true, address: { host: '::', port: 0 } });
    expect(parseListen(':9100')).toEqual({ ok: true, address: { host: undefined, port: 9100 } });
  });

  it('refuses what is not an IP literal and a port, saying so', () => {
    for (const bad of ['', '9100', '::1:9100', '[::1]', '[10.0.0.1]:80', '10.0.0.1:65536', '10.0.0.1:', 'host.example:9100', '10.0.0.256:1', '10.0.0.1:9x']) {
      const r = parseListen(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain(`'${bad}'`);
    }
  });
});
