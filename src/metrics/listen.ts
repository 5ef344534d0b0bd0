/**
 * --listen's address, apart from the server so that `vrrplab run` checks it at start without
 * loading node:http (3 ms of a start-up measured against keepalived's) unless it serves metrics.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  /** undefined: every address (IPv6 and IPv4 where the host allows it). */
  host: string | undefined;
  port: number;
}

/** `ADDR:PORT`, `[IPV6]:PORT` or `:PORT`; an IP literal, a port 0-65535 (0: any free port). */
export function parseListen(listen: string): { ok: true; address: ListenAddress } | { ok: false; error: string } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 0 && port <= 65535)) return { ok: false, error: `--listen '${listen}': expected ADDR:PORT, [IPV6]:PORT or :PORT` };
  const host = m[1] ?? m[2] ?? '';
  if (m[1] !== undefined && isIP(host) !== 6) return { ok: false, error: `--listen '${listen}': '${host}' is not an IPv6 address` };
  if (m[2] !== undefined && host !== '' && isIP(host) !== 4) return { ok: false, error: `--listen '${listen}': '${host}' is not an IPv4 address (write an IPv6 one as [ADDR]:PORT)` };
  return { ok: true, address: { host: host === '' ? undefined : host, port } };
}
