/**
 * JSON over HTTP to 127.0.0.1 (etcd's v3 gRPC gateway, Prometheus' API), keep-alive, with a
 * timeout. Rejects on a connection error, a timeout or a non-2xx status.
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function requestJson(port: number, method: 'GET' | 'POST', pathAndQuery: string, body: unknown, timeoutMs: number, useAgent: http.Agent = agent): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path: pathAndQuery, agent: useAgent, timeout: timeoutMs, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
            reject(new Error(`HTTP ${res.statusCode} from :${port}${pathAndQuery}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`invalid JSON from :${port}${pathAndQuery}: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms from :${port}${pathAndQuery}`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** A private keep-alive agent (the load generator keeps its connections apart). */
export function createAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 8 });
}

/** The whole body of a GET as text (Prometheus' /metrics, /-/ready). */
export function getText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode} from ${url}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout from ${url}`)));
    req.on('error', reject);
  });
}

/** Destroys the shared agent's sockets (end of a run). */
export function closeSharedAgent(): void {
  agent.destroy();
}
