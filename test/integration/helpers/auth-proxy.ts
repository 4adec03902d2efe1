// A loopback reverse proxy in front of the real Elasticsearch for the failure tests: it demands an
// API key (as a secured cluster does), can serve TLS with the test CA's certificate
// (test/fixtures/tls) as a cluster with HTTPS does, and can be stopped mid-analysis like a dying server.
import { readFileSync } from 'node:fs';
import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import path from 'node:path';
import { REPO_ROOT } from './env.js';
import type { Socket } from 'node:net';

export interface AuthProxy {
  url: string;
  requests: number;
  /** Stop accepting connections and drop the open ones. */
  stop(): Promise<void>;
}

export interface AuthProxyOptions {
  /** Serve HTTPS with test/fixtures/tls/server.pem (signed by test/fixtures/tls/ca.pem). */
  tls?: boolean;
  /** Hold every request this long before passing it on: a slow server. */
  delayMs?: number;
  /** Demand HTTP basic auth with these credentials instead of the API key. */
  basic?: { username: string; password: string };
}

const TLS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');

/** `apiKey` null: no authentication asked (a plain proxy, e.g. a slow one before Prometheus). */
export async function startAuthProxy(targetUrl: string, apiKey: string | null, onRequest?: (n: number, proxy: AuthProxy) => Promise<void> | void, options: AuthProxyOptions = {}): Promise<AuthProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  // Requests forwarded to the target: a client cut off mid-body would leave one waiting on the
  // target for the rest (and holding the test's process open), so they end with their client and on stop.
  const upstream = new Set<ClientRequest>();
  let server: Server;
  const proxy: AuthProxy = {
    url: '',
    requests: 0,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      for (const u of upstream) u.destroy();
    }),
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    proxy.requests++;
    if (onRequest) await onRequest(proxy.requests, proxy);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (!server.listening || req.socket.destroyed) { req.socket.destroy(); return; }
    const expected = `ApiKey ${Buffer.from(apiKey ?? '').toString('base64')}`;
    const basic = options.basic ? `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}` : undefined;
    const denied = basic !== undefined ? req.headers.authorization !== basic : apiKey !== null && req.headers.authorization !== expected && req.headers.authorization !== `ApiKey ${apiKey}`;
    if (denied) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': basic !== undefined ? 'Basic realm="security"' : 'ApiKey' });
      res.end(JSON.stringify({ error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 }));
      return;
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.add(up);
    up.on('close', () => upstream.delete(up));
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up);
  };
  server = options.tls
    ? createTlsServer({ cert: readFileSync(path.join(TLS_DIR, 'server.pem')), key: readFileSync(path.join(TLS_DIR, 'server-key.pem')) }, handler)
    : createServer(handler);
  // a client that rejects the certificate leaves a failed handshake behind: nothing to answer
  server.on('tlsClientError', () => {});
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  proxy.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return proxy;
}
