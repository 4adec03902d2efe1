// The circuit breakers as the app wires them (buildApp wraps each source of a configured pair),
// against real servers that are stopped and restarted: a Prometheus process of this test's own
// (its TSDB backfilled from one development bundle) and the CI Elasticsearch behind a loopback TCP
// forwarder that this test closes and reopens on the same port (Elasticsearch takes a minute to
// start, and other tests share it). Analyses run through the real pipeline; the breakers' clock is
// the test's, so the cool-down passes without waiting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Report } from '../../../correlators/report/index.js';
import { buildApp } from '../../../server/app.js';
import { PUBLIC_DIR, TEMPLATES_DIR } from '../../../server/config.js';
import { createCircuitBreakers, createMetrics } from '../../../server/ops/index.js';
import { runAnalysis } from '../../../server/pipeline.js';
import { loadTemplates } from '../../../server/render/index.js';
import { AnalysisStore } from '../../../server/routes/analysis-store.js';
import { DEFAULT_LIMITS, DEFAULT_SECURITY } from '../../../server/security/index.js';
import { parseSourceConfig } from '../../../server/sources/config.js';
import { createElasticsearchSource } from '../../../server/sources/elasticsearch/index.js';
import { createPrometheusSource } from '../../../server/sources/prometheus/index.js';
import type { SignalSource } from '../../../server/sources/types.js';
import { readLabel } from '../../integration/helpers/bundle-docs.js';
import { caseDir, freePort } from '../../integration/helpers/env.js';
import { createIndex } from '../../integration/helpers/es-load.js';

const ES_URL = process.env['ES_URL'];
const skip = ES_URL && process.env['PROM_URL'] ? false : 'PROM_URL and ES_URL are not set: source .ci/services/prometheus.sh and elasticsearch.sh first';
const CASE = 'etcd-disk-latency-1-1';
const INDEX = 'rl-breaker-events';
const COOLDOWN_MS = 60_000;

/** A Prometheus of this test's own on a fixed port, stopped (SIGTERM) and started again on its TSDB. */
class OwnPrometheus {
  proc: ChildProcess | undefined;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'rl-breaker-prom-'));
  constructor(readonly port: number) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  backfill(bundleDir: string): void {
    const r = spawnSync(process.env['PROMTOOL_BIN'] ?? 'promtool', ['tsdb', 'create-blocks-from', 'openmetrics', path.join(bundleDir, 'metrics', 'metrics.om'), path.join(this.dir, 'data')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`promtool backfill failed: ${r.stderr}`);
    writeFileSync(path.join(this.dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  }
  async start(): Promise<void> {
    const args = [`--config.file=${path.join(this.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(this.dir, 'data')}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${this.port}`];
    const proc = spawn(process.env['PROMETHEUS_BIN'] ?? 'prometheus', args, { stdio: 'ignore' });
    this.proc = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if ((await fetch(`${this.url}/-/ready`).then((r) => r.status, () => 0)) === 200) return;
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`prometheus on ${this.url} did not start`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Elasticsearch as the sources see it: a TCP port that can go away and come back. */
class Forwarder {
  server: Server | undefined;
  readonly sockets = new Set<Socket>();
  constructor(readonly port: number, readonly target: URL) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

let prom: OwnPrometheus | undefined;
let es: Forwarder | undefined;
let app: FastifyInstance | undefined;

before(async () => {
  if (skip) return;
  await createIndex(ES_URL!, INDEX, 'event-exporter');
  prom = new OwnPrometheus(await freePort());
  prom.backfill(path.join(caseDir(CASE), 'bundle'));
  await prom.start();
  es = new Forwarder(await freePort(), new URL(ES_URL!));
  await es.start();
});

after(async () => {
  await app?.close();
  await prom?.stop();
  await es?.stop();
  if (prom) rmSync(prom.dir, { recursive: true, force: true });
});

/** Counts the fetches that reach the source itself (past its breaker). */
function counted(source: SignalSource, calls: Map<string, number>): SignalSource {
  return { ...source, fetch: (w, o) => { calls.set(source.name, (calls.get(source.name) ?? 0) + 1); return source.fetch(w, o); } };
}

test('a stopped Prometheus and Elasticsearch: failed twice, then skipped at once ("circuit open since"), in /metrics, and read again once back after the cool-down', { skip, timeout: 300_000 }, async (t) => {
  const label = readLabel(caseDir(CASE));
  const window = { from: new Date(label.window.fromMs).toISOString(), to: new Date(label.window.toMs).toISOString() };
  const { prometheus: promConfig, elasticsearch: esConfig } = parseSourceConfig({
    prometheus: { url: prom!.url, retries: 1, backoff: '20ms', timeout: '5s' },
    elasticsearch: { url: es!.url, retries: 1, backoff: '20ms', timeout: '5s', events: { index: INDEX } },
  }, {});
  let nowMs = Date.parse('2030-01-01T00:00:00Z');
  const breakers = createCircuitBreakers({ failureThreshold: 2, cooldownMs: COOLDOWN_MS, nowMs: () => nowMs });
  const calls = new Map<string, number>();
  const store = new AnalysisStore();
  const metrics = createMetrics({ defaultMetrics: false });
  app = await buildApp({
    runAnalysis: (o) => runAnalysis(o),
    sources: {},
    defaultSource: 'lab',
    serverSources: { lab: () => [counted(createPrometheusSource(promConfig!), calls), counted(createElasticsearchSource(esConfig!), calls)] },
    templates: loadTemplates({ baseDir: TEMPLATES_DIR }),
    publicDir: PUBLIC_DIR,
    store,
    security: { ...DEFAULT_SECURITY, limits: { ...DEFAULT_LIMITS, sourceFailures: 2, sourceCooldownMs: COOLDOWN_MS } },
    metrics,
    breakers,
  });

  const analyse = async (): Promise<{ report: Report; ms: number }> => {
    const started = performance.now();
    const res = await app!.inject({ method: 'POST', url: '/api/analyses', payload: { source: { kind: 'prometheus+elasticsearch', name: 'lab' }, window } });
    assert.equal(res.statusCode, 201, res.body);
    const record = store.get((res.json() as { id: string }).id)!;
    await record.done;
    const body = (await app!.inject({ method: 'GET', url: `/api/analyses/${record.id}` })).json() as { status: string; report: Report; error: unknown };
    assert.equal(body.status, 'done', JSON.stringify(body.error));
    return { report: body.report, ms: performance.now() - started };
  };
  const seen = (r: Report): string[] => r.sources.map((s) => `${s.sourceId} ${s.format} ${s.status}`).sort();
  const circuit = async (): Promise<string[]> => {
    const text = await (await app!.inject({ method: 'GET', url: '/metrics' })).body;
    return [...text.matchAll(/^rootline_source_circuit_state\{source="([^"]+)",state="([^"]+)"\} 1$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  };

  const first = await analyse();
  assert.deepEqual(first.report.sources.filter((s) => s.status === 'failed'), [], 'both servers up: nothing failed');
  assert.deepEqual(await circuit(), ['lab/elasticsearch closed', 'lab/prometheus closed']);

  await Promise.all([prom!.stop(), es!.stop()]);
  const down = [await analyse(), await analyse()];
  for (const d of down) {
    assert.deepEqual(seen(d.report), [`elasticsearch:${INDEX} elasticsearch/event-exporter failed`, 'prometheus prometheus failed'], 'queried and failed');
    assert.ok(d.report.dataQuality.some((q) => q.sourceId === 'prometheus' && q.status === 'failed'), 'named in the data quality');
  }
  assert.deepEqual(Object.fromEntries(calls), { prometheus: 3, elasticsearch: 3 });
  assert.deepEqual(await circuit(), ['lab/elasticsearch open', 'lab/prometheus open']);

  const skipped = await analyse();
  assert.deepEqual(Object.fromEntries(calls), { prometheus: 3, elasticsearch: 3 }, 'not queried while the circuit is open');
  assert.deepEqual(seen(skipped.report), ['elasticsearch circuit-breaker failed', 'prometheus circuit-breaker failed']);
  const openedAt = new Date(nowMs).toISOString().replace('.000', '');
  for (const s of skipped.report.sources) assert.match(s.message ?? '', new RegExp(`^source ${s.sourceId}: circuit open since ${openedAt}, not queried: it failed 2 times in a row \\(last: .+\\); tried again after `));
  const quality = skipped.report.dataQuality.find((q) => q.sourceId === 'prometheus');
  assert.match(quality?.message ?? '', /circuit open since/, 'the report names the skipped source');
  assert.match(await (await app.inject({ method: 'GET', url: '/metrics' })).body, /rootline_source_errors_total\{source="prometheus",kind="circuit_open"\} 1\n/);

  // Back up, but the cool-down has not passed: still skipped.
  await Promise.all([prom!.start(), es!.start()]);
  await analyse();
  assert.deepEqual(Object.fromEntries(calls), { prometheus: 3, elasticsearch: 3 });

  nowMs += COOLDOWN_MS + 1;
  assert.deepEqual(await circuit(), ['lab/elasticsearch half-open', 'lab/prometheus half-open']);
  const back = await analyse();
  assert.deepEqual(Object.fromEntries(calls), { prometheus: 4, elasticsearch: 4 }, 'one trial each');
  assert.deepEqual(back.report.sources.filter((s) => s.status === 'failed'), [], 'read again');
  assert.deepEqual(seen(back.report), seen(first.report));
  assert.deepEqual(await circuit(), ['lab/elasticsearch closed', 'lab/prometheus closed']);
  t.diagnostic(`analysis with both servers down: ${down.map((d) => Math.round(d.ms)).join(', ')} ms; skipped by the open circuits: ${Math.round(skipped.ms)} ms`);
});
