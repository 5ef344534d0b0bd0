/**
 * The /metrics endpoint of `vrrplab watch --listen` and `vrrplab run --listen`: node:http, one
 * snapshot rendered per scrape. It shares the event loop with the protocol, so every request is
 * bounded: headers within 2 s, the whole request within 5 s, an idle connection closed after 5 s,
 * at most 32 connections, nothing read from a request body, and the response handed to the socket
 * in one write (a client that does not read it holds only its own socket's buffer, never the loop).
 * A scrape of run with 255 instances holds the loop ~2.5 ms (snapshot 1.3 ms, render 1.1 ms, 430 KB
 * of text; 2-core machine), once per scrape interval.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE, renderExposition } from './exposition.js';
import type { MetricsSnapshot } from './snapshot.js';
import { parseListen } from './listen.js';

export { parseListen, type ListenAddress } from './listen.js';

export const HEADERS_TIMEOUT_MS = 2000;
export const REQUEST_TIMEOUT_MS = 5000;
export const MAX_CONNECTIONS = 32;

const INDEX = '<!doctype html>\n<html><head><title>vrrplab</title></head><body><h1>vrrplab</h1><p><a href="/metrics">Metrics</a></p></body></html>\n';

function answer(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : body);
}

function handle(req: IncomingMessage, res: ServerResponse, snapshot: () => MetricsSnapshot): void {
  req.resume(); // a body, if any, is read and dropped
  const path = (req.url ?? '/').split('?')[0];
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    answer(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
    return;
  }
  if (path === '/metrics') {
    let body: string;
    try {
      body = renderExposition(snapshot());
    } catch (e) {
      // A producer's bug answers this scrape with 500 (Prometheus marks the target down); the
      // server and the protocol go on.
      answer(res, 500, 'text/plain; charset=utf-8', `snapshot failed: ${e instanceof Error ? e.message : String(e)}\n`, head);
      return;
    }
    answer(res, 200, CONTENT_TYPE, body, head);
  } else if (path === '/') answer(res, 200, 'text/html; charset=utf-8', INDEX, head);
  else answer(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics\n', head);
}

/** `[::1]:9100`, `10.0.0.1:9100` from what the server is bound to. */
function formatAddress(info: AddressInfo): string {
  return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`;
}

/** Serves /metrics on `listen`, rendering `snapshot()` at each scrape. Rejects when it cannot listen. */
export function serveMetrics(listen: string, snapshot: () => MetricsSnapshot): Promise<{ address: string; close(): Promise<void> }> {
  const parsed = parseListen(listen);
  if (!parsed.ok) return Promise.reject(new Error(parsed.error));
  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 500, maxHeaderSize: 8192 },
    (req, res) => handle(req, res, snapshot),
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxHeadersCount = 64;
  // A connection with nothing going on (a slow client that stopped reading or writing) is closed.
  server.setTimeout(REQUEST_TIMEOUT_MS, (socket) => socket.destroy());
  server.on('clientError', (_e, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: parsed.address.host, port: parsed.address.port }, () => {
      server.off('error', reject);
      // Errors after listening (none expected from node:http) must not end the process.
      server.on('error', () => undefined);
      resolve({
        address: formatAddress(server.address() as AddressInfo),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
