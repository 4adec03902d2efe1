// Flaky sources under load, against real servers: a private Prometheus (backfilled from one
// development bundle) and the CI Elasticsearch behind a loopback proxy are killed in the middle of
// the analyses while the API is flooded with 10x its capacity (running + queued). The server must
// stay up, answer only 201 or 429 (with Retry-After), finish every accepted analysis, and every
// finished analysis must name the labelled root cause and culprit: the bundle's files carry it,
// the dead sources are reported, and their circuit breakers stop later analyses from waiting on them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import { buildApp } from '../../../server/app.js';
import { PUBLIC_DIR, TEMPLATES_DIR } from '../../../server/config.js';
import { createCircuitBreakers, createMetrics, type BreakerSource } from '../../../server/ops/index.js';
import type { AnalysisRunner } from '../../../server/pipeline.js';
import { loadTemplates } from '../../../server/render/index.js';
import { AnalysisStore } from '../../../server/routes/analysis-store.js';
import { DEFAULT_LIMITS, DEFAULT_SECURITY } from '../../../server/security/index.js';
import { parseSourceConfig } from '../../../server/sources/config.js';
import { createElasticsearchSource } from '../../../server/sources/elasticsearch/index.js';
import { readBundle } from '../../../server/sources/files/index.js';
import type { FetchOptions, SignalSource } from '../../../server/sources/types.js';
import { createPromRangeApi, createPrometheusSource } from '../../../server/sources/prometheus/index.js';
import { startAuthProxy, type AuthProxy } from '../../integration/helpers/auth-proxy.js';
import { readBundleDocs, readLabel } from '../../integration/helpers/bundle-docs.js';
import { caseDir, startScratchPrometheus, type ScratchPrometheus } from '../../integration/helpers/env.js';
import { bulkLoad, createIndex } from '../../integration/helpers/es-load.js';

const ES_URL = process.env['ES_URL'];
const PROM_URL = process.env['PROM_URL'];
const skip = ES_URL && PROM_URL ? false : 'PROM_URL and ES_URL are not set: source .ci/services/prometheus.sh and elasticsearch.sh first';

const CASE = 'etcd-disk-latency-1-1';
const LIMITS = { ...DEFAULT_LIMITS, maxRunning: 2, maxQueued: 3, analysisTimeoutMs: 120_000, shutdownGraceMs: 30_000 };
const CAPACITY = LIMITS.maxRunning + LIMITS.maxQueued;
const INDEX = { audit: 'rl-fault-audit', logs: 'rl-fault-logs', events: 'rl-fault-events' };
const API_KEY = 'rootline-fault:key';

let scratch: ScratchPrometheus | undefined;
let proxy: AuthProxy | undefined;
let app: FastifyInstance | undefined;

before(async () => {
  if (skip) return;
  const bundle = path.join(caseDir(CASE), 'bundle');
  const docs = readBundleDocs(bundle, readLabel(caseDir(CASE)).window);
  for (const [index, preset, list] of [[INDEX.audit, 'raw-audit', docs.rawAudit], [INDEX.logs, 'fluent-bit', docs.logs], [INDEX.events, 'event-exporter', docs.events]] as const) {
    await createIndex(ES_URL!, index, preset);
    await bulkLoad(ES_URL!, index, list);
  }
  scratch = await startScratchPrometheus(bundle);
  proxy = await startAuthProxy(ES_URL!, API_KEY);
});

after(async () => {
  await app?.close();
  await scratch?.stop();
  await proxy?.stop();
  // TODO(hardening): once seen in a loaded full run (not alone), a handle kept this file's process
  // alive after the test passed; exit a few seconds after the cleanup instead of hanging the suite,
  // until the handle is found (remove when 20 full runs end without this timer firing).
  setTimeout(() => {
    process.stderr.write('fault-flood: a handle outlived the cleanup; exiting\n');
    process.exit(process.exitCode ?? 0);
  }, 5_000).unref();
});

/** Files, Prometheus and Elasticsearch read for one window, merged, analysed: what a server with all three configured runs. */
function buildRunner(sourcesOf: () => { prom: SignalSource; es: SignalSource }): AnalysisRunner {
  return async (o) => {
    const started = Date.now();
    const { prom, es } = sourcesOf();
    const fetchOptions = o.signal ? { signal: o.signal } : {};
    const [files, p, e] = await Promise.all([readBundle(o.input, o.window, fetchOptions), prom.fetch(o.window, fetchOptions), es.fetch(o.window, fetchOptions)]);
    const sets: SignalSet[] = [files, p, e];
    const merged: SignalSet = {
      window: o.window,
      logs: sets.flatMap((s) => s.logs).sort((a, b) => a.atMs - b.atMs),
      series: sets.flatMap((s) => s.series),
      audit: sets.flatMap((s) => s.audit),
      sources: sets.flatMap((s) => s.sources),
    };
    return analyzeSignals(merged, { nowMs: Date.now(), ingestMs: Date.now() - started });
  };
}

interface Answer {
  status: number;
  id?: string;
  retryAfter: string | null;
  code?: string;
}

async function flood(base: string, n: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${base}/api/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: { kind: 'files', name: 'case' } }) });
      const body = (await res.json()) as { id?: string; code?: string };
      return { status: res.status, retryAfter: res.headers.get('retry-after'), ...(body.id ? { id: body.id } : {}), ...(body.code ? { code: body.code } : {}) };
    }),
  );
}

function checkAnswers(answers: Answer[], what: string): string[] {
  const statuses = new Set(answers.map((a) => a.status));
  assert.deepEqual([...statuses].filter((s) => s !== 201 && s !== 429), [], `${what}: only 201 and 429`);
  for (const a of answers.filter((x) => x.status === 429)) {
    assert.equal(a.code, 'RL_ERR_LIMIT_BUSY', what);
    assert.match(a.retryAfter ?? '', /^\d+$/, `${what}: Retry-After`);
  }
  const accepted = answers.filter((a) => a.status === 201).map((a) => a.id!);
  assert.ok(accepted.length >= 1 && accepted.length <= CAPACITY, `${what}: ${accepted.length} accepted, capacity ${CAPACITY}`);
  return accepted;
}

test('Prometheus and Elasticsearch killed mid-analysis, API flooded with 10x capacity: up, 429s, correct reports', { skip, timeout: 600_000 }, async (t) => {
  const label = readLabel(caseDir(CASE));
  const window = { from: new Date(label.window.fromMs).toISOString(), to: new Date(label.window.toMs).toISOString() };
  const promConfig = parseSourceConfig({ prometheus: { url: scratch!.url, retries: 1, backoff: '20ms', timeout: '5s' } }, {}).prometheus!;
  const realApi = createPromRangeApi(promConfig);
  let promFetchesDone = 0;
  let killed = false;
  const kill = async (): Promise<void> => {
    if (killed) return;
    killed = true;
    await Promise.all([scratch!.stop(), proxy!.stop()]);
  };
  // Both servers die in the middle of the third analysis' Prometheus queries: two have read everything.
  let callsInFetch = 0;
  const api = {
    async queryRange(q: string, r: Parameters<typeof realApi.queryRange>[1]) {
      if (promFetchesDone >= 2 && ++callsInFetch === 10) await kill();
      return realApi.queryRange(q, r);
    },
  };
  // Fresh sources for each analysis (no result cache outlives it), as the server builds them: only
  // the breakers, kept by source name, remember that a server died.
  const metrics = createMetrics({ defaultMetrics: false });
  const breakers = createCircuitBreakers({ failureThreshold: 2, cooldownMs: 600_000, onOpen: (s) => metrics.sourceError(s, 'circuit_open') });
  const esConfig = parseSourceConfig({ elasticsearch: { url: proxy!.url, retries: 1, backoff: '20ms', timeout: '5s', audit: { index: INDEX.audit }, logs: { index: INDEX.logs }, events: { index: INDEX.events } } }, { ROOTLINE_ES_API_KEY: API_KEY }).elasticsearch!;
  let prom: BreakerSource | undefined;
  let es: BreakerSource | undefined;
  const sources = () => {
    prom = breakers.wrap(createPrometheusSource(promConfig, { api }));
    es = breakers.wrap(createElasticsearchSource(esConfig));
    return { prom: { name: prom.name, fetch: async (w: AnalysisWindow, o?: FetchOptions) => { const set = await prom!.fetch(w, o); promFetchesDone++; return set; } }, es };
  };

  const store = new AnalysisStore();
  app = await buildApp({
    runAnalysis: buildRunner(sources),
    sources: { case: path.join(caseDir(CASE), 'bundle') },
    defaultSource: 'case',
    sourceWindows: { case: window },
    templates: loadTemplates({ baseDir: TEMPLATES_DIR }),
    publicDir: PUBLIC_DIR,
    store,
    security: { ...DEFAULT_SECURITY, limits: LIMITS },
    metrics,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const waves: { accepted: string[]; refused: number }[] = [];
  for (let wave = 0; wave < 3; wave++) {
    const answers = await flood(base, 10 * CAPACITY);
    const accepted = checkAnswers(answers, `wave ${wave}`);
    waves.push({ accepted, refused: answers.length - accepted.length });
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still up');
    await Promise.all(accepted.map((id) => store.get(id)!.done));
  }
  assert.ok(killed, 'the servers were killed during the first wave');

  const reports: Report[] = [];
  for (const id of waves.flatMap((w) => w.accepted)) {
    const res = await fetch(`${base}/api/analyses/${id}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; report: Report | null; error: unknown };
    assert.equal(body.status, 'done', `${id}: ${JSON.stringify(body.error)}`);
    const report = body.report!;
    const top = report.hypotheses[0];
    assert.equal(top?.cause, label.rootCause, `${id}: top cause`);
    assert.equal(top?.culprit?.host, label.culprit?.host, `${id}: culprit host`);
    reports.push(report);
  }
  const promStatus = (r: Report) => r.sources.filter((s) => s.sourceId === 'prometheus').map((s) => `${s.format}:${s.status}`).join(',');
  // before the kill Prometheus answers every catalogue query; some may be degraded by a query the bundle has no data for
  const statuses = reports.map(promStatus);
  t.diagnostic(`prometheus per analysis: ${statuses.join(' | ')}`);
  assert.ok(statuses.some((s) => s === 'prometheus:ok'), 'the first analyses read Prometheus before it died');
  assert.ok(statuses.some((s) => /prometheus:(failed|degraded)/.test(s)), 'some analyses saw it die');
  assert.ok(statuses.some((s) => s === 'circuit-breaker:failed'), 'later analyses were short-circuited');
  assert.equal(prom?.state, 'open');
  assert.equal(es?.state, 'open');
  const last = reports[reports.length - 1]!;
  assert.ok(last.sources.some((s) => s.sourceId === 'elasticsearch' && /not queried, it failed \d+ times in a row/.test(s.message ?? '')), 'the ES breaker says why it skipped');

  const text = await (await fetch(`${base}/metrics`)).text();
  const refused = waves.reduce((n, w) => n + w.refused, 0);
  assert.match(text, new RegExp(`rootline_requests_rejected_total\\{reason="busy"\\} ${refused}`));
  assert.match(text, new RegExp(`rootline_analysis_duration_seconds_count\\{outcome="done"\\} ${reports.length}`));
  assert.match(text, /rootline_source_errors_total\{source="prometheus",kind="circuit_open"\} [1-9]/);
  t.diagnostic(`waves: ${waves.map((w) => `${w.accepted.length} accepted / ${w.refused} refused`).join(', ')}; ${reports.length} reports, all ${label.rootCause} on ${label.culprit?.host}`);
});
