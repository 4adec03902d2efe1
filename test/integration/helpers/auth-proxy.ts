// A loopback reverse proxy in front of the real Elasticsearch for the failure tests: it demands an
// API key (as a secured cluster does) and can be stopped mid-analysis like a dying server.
import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface AuthProxy {
  url: string;
  requests: number;
  /** Stop accepting connections and drop the open ones. */
  stop(): Promise<void>;
}

export async function startAuthProxy(targetUrl: string, apiKey: string, onRequest?: (n: number, proxy: AuthProxy) => Promise<void> | void): Promise<AuthProxy> {
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
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    proxy.requests++;
    if (onRequest) await onRequest(proxy.requests, proxy);
    if (!server.listening) { req.socket.destroy(); return; }
    const expected = `ApiKey ${Buffer.from(apiKey).toString('base64')}`;
    if (req.headers.authorization !== expected && req.headers.authorization !== `ApiKey ${apiKey}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'ApiKey' });
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
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  proxy.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return proxy;
}
