// A plain node:http client for the load tests, whose server runs in the test's own process. The
// global fetch (undici) has a 10 s connect timeout run as a timer: when an analysis holds the one
// event loop for longer (a loaded 2-core machine), that timer fires before the connection's own
// event is read, and fetch fails although the kernel had accepted the connection. node:http has no
// such timer; each request gets its own connection (no agent), closed when answered, so nothing
// outlives the test.
import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function httpRequest(url: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent: false, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function httpJson<T>(url: string, options: Parameters<typeof httpRequest>[1] = {}): Promise<{ status: number; headers: HttpAnswer['headers']; json: T }> {
  const a = await httpRequest(url, options);
  return { status: a.status, headers: a.headers, json: JSON.parse(a.text) as T };
}
