// No SSRF: Prometheus and Elasticsearch endpoints come only from the server's configuration. A
// request that carries a URL, a host or a path anywhere is refused with 400 before anything is
// fetched; a loopback trap server counts the connections it gets (none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTestApp, SAMPLE_WINDOW } from '../server/helpers.js';

test('URLs, hosts and paths in a request body are refused; nothing is fetched', async (t) => {
  let hits = 0;
  const trap = createServer((_req, res) => {
    hits++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => trap.close(() => resolve())));
  const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const bodies: { why: string; body: unknown }[] = [
    { why: 'a Prometheus URL', body: { window: SAMPLE_WINDOW, source: { kind: 'prometheus', url } } },
    { why: 'an Elasticsearch node', body: { window: SAMPLE_WINDOW, source: { kind: 'elasticsearch', node: url, index: 'x' } } },
    { why: 'a URL beside a configured name', body: { window: SAMPLE_WINDOW, source: { kind: 'files', name: 'example', url } } },
    { why: 'an endpoint at the top level', body: { window: SAMPLE_WINDOW, source: { kind: 'files', name: 'example' }, prometheusUrl: url } },
    { why: 'a URL as the name', body: { window: SAMPLE_WINDOW, source: { kind: 'files', name: url } } },
    { why: 'a cloud metadata address', body: { window: SAMPLE_WINDOW, source: { kind: 'prometheus', url: 'http://169.254.169.254/latest/meta-data/' } } },
    { why: 'headers for a source', body: { window: SAMPLE_WINDOW, source: { kind: 'prometheus', name: 'prometheus', headers: { host: 'evil' } } } },
    { why: 'a file URL', body: { window: SAMPLE_WINDOW, source: { kind: 'files', name: 'file:///etc/passwd' } } },
  ];
  for (const row of bodies) {
    const res = await app.inject({ method: 'POST', url: '/api/analyses', payload: row.body as object });
    assert.equal(res.statusCode, 400, `${row.why}: ${res.body}`);
    assert.equal(res.json().code, 'RL_ERR_INPUT_INVALID', row.why);
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(hits, 0, 'no request reached the trap');
});
