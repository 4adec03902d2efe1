// Flaky sources under load, against real servers: a private Prometheus (backfilled from one
// development bundle) and the CI Elasticsearch behind a loopback proxy are killed in the middle of
// the analyses while the API is flooded with 10x its capacity (running + queued). The server must
// stay up, answer only 201 or 429 (with Retry-After), finish every accepted analysis, and every
// finished analysis must name the labelled root cause and culprit: the bundle's files carry it,
// the dead sources are reported, and the app's circuit breakers (wired by buildApp around the
// configured pair, as in production) stop later analyses from waiting on them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import type { SignalSet } from '../../../correlators/signals/index.js';
import { buildApp } from '../../../server/app.js';
import { PUBLIC_DIR, TEMPLATES_DIR } from '../../../server/config.js';
import { createCircuitBreakers, createMetrics } from '../../../server/ops/index.js';
import type { AnalysisRunner } from '../../../server/pipeline.js';
import { loadTemplates } from '../../../server/render/index.js';
import { AnalysisStore } from '../../../server/routes/analysis-store.js';
import { DEFAULT_LIMITS, DEFAULT_SECURITY } from '../../../server/security/index.js';
import { fetchAll } from '../../../server/sources/combine.js';
import { parseSourceConfig } from '../../../server/sources/config.js';
import { createElasticsearchSource } from '../../../server/sources/elasticsearch/index.js';
import { readBundle } from '../../../server/sources/files/index.js';
import { createPromRangeApi, createPrometheusSource } from '../../../server/sources/prometheus/index.js';
import { startAuthProxy, type AuthProxy } from '../../integration/helpers/auth-proxy.js';
import { readBundleDocs, readLabel } from '../../integration/helpers/bundle-docs.js';
import { caseDir, startScratchPrometheus, type ScratchPrometheus } from '../../integration/helpers/env.js';
import { bulkLoad, createIndex } from '../../integration/helpers/es-load.js';
import { httpJson, httpRequest } from './http-client.js';

const ES_URL = process.env['ES_URL'];
const PROM_URL = process.env['PROM_URL'];
const skip = ES_URL && PROM_URL ? false : 'PROM_URL and ES_URL are not set: source .ci/services/prometheus.sh and elasticsearch.sh first';

const CASE = 'etcd-disk-latency-1-1';
const LIMITS = { ...DEFAULT_LIMITS, maxRunning: 2, maxQueued: 3, analysisTimeoutMs: 120_000, shutdownGraceMs: 30_000, sourceFailures: 2, sourceCooldownMs: 600_000 };
const CAPACITY = LIMITS.maxRunning + LIMITS.maxQueued;
const INDEX = { audit: 'rl-fault-audit', logs: 'rl-fault-logs', events: 'rl-fault-events' };
const API_KEY = 'rootline-fault:key';

let scratch: ScratchPrometheus | undefined;
let proxy: AuthProxy | undefined;
let app: FastifyInstance | undefined;
/** What keeps the loop alive before the test starts (the runner's own pipes), to tell leftovers from it. */
let baseline: string[] = [];

before(async () => {
  baseline = process.getActiveResourcesInfo();
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
  // This file's process once outlived its passing test. The proxy's last upstream sockets close
  // by themselves just after the cleanup; anything still open 5 s later is named, so that a hang
  // says what holds it.
  const leftover = (): string[] => {
    const left = [...process.getActiveResourcesInfo()];
    for (const b of baseline) if (left.includes(b)) left.splice(left.indexOf(b), 1);
    return left.filter((r) => r !== 'Timeout');
  };
  for (let i = 0; i < 50 && leftover().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  if (leftover().length > 0) process.stderr.write(`fault-flood: still active 5 s after the cleanup: ${leftover().join(', ')}\n`);
});

/**
 * What a server with the bundle's files and the configured pair runs: the pair's sources (as the
 * app hands them over, behind its breakers) fetched by fetchAll, the files read beside them.
 */
function buildRunner(bundleDir: string, onServersFetched: () => void): AnalysisRunner {
  return async (o) => {
    const started = Date.now();
    const fetchOptions = o.signal ? { signal: o.signal } : {};
    const [files, servers] = await Promise.all([readBundle(bundleDir, o.window, fetchOptions), fetchAll(o.sources ?? [], o.window, fetchOptions).finally(onServersFetched)]);
    const sets: SignalSet[] = [files, servers];
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
  retryAfter: string | undefined;
  code?: string;
}

async function flood(base: string, n: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await httpJson<{ id?: string; code?: string }>(`${base}/api/analyses`, { method: 'POST', body: { source: { kind: 'prometheus+elasticsearch', name: 'lab' }, window: WINDOW } });
      const retryAfter = res.headers['retry-after'];
      return { status: res.status, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, ...(res.json.id ? { id: res.json.id } : {}), ...(res.json.code ? { code: res.json.code } : {}) };
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

const LABEL = skip ? undefined : readLabel(caseDir(CASE));
const WINDOW = LABEL ? { from: new Date(LABEL.window.fromMs).toISOString(), to: new Date(LABEL.window.toMs).toISOString() } : undefined;

test('Prometheus and Elasticsearch killed mid-analysis, API flooded with 10x capacity: up, 429s, correct reports', { skip, timeout: 600_000 }, async (t) => {
  const label = LABEL!;
  const promConfig = parseSourceConfig({ prometheus: { url: scratch!.url, retries: 1, backoff: '20ms', timeout: '5s' } }, {}).prometheus!;
  const realApi = createPromRangeApi(promConfig);
  let serverFetchesDone = 0;
  let killed = false;
  const kill = async (): Promise<void> => {
    if (killed) return;
    killed = true;
    await Promise.all([scratch!.stop(), proxy!.stop()]);
  };
  // Both servers die in the middle of the third analysis' Prometheus queries: two have read everything.
  let callsAfterTwo = 0;
  const api = {
    async queryRange(q: string, r: Parameters<typeof realApi.queryRange>[1]) {
      if (serverFetchesDone >= 2 && ++callsAfterTwo === 10) await kill();
      return realApi.queryRange(q, r);
    },
  };
  const esConfig = parseSourceConfig({ elasticsearch: { url: proxy!.url, retries: 1, backoff: '20ms', timeout: '5s', audit: { index: INDEX.audit }, logs: { index: INDEX.logs }, events: { index: INDEX.events } } }, { ROOTLINE_ES_API_KEY: API_KEY }).elasticsearch!;
  const metrics = createMetrics({ defaultMetrics: false });
  // Given to the app only so that the test can read their state; buildApp wraps the pair's sources.
  const breakers = createCircuitBreakers({ failureThreshold: LIMITS.sourceFailures, cooldownMs: LIMITS.sourceCooldownMs });

  const store = new AnalysisStore();
  app = await buildApp({
    runAnalysis: buildRunner(path.join(caseDir(CASE), 'bundle'), () => serverFetchesDone++),
    sources: { case: path.join(caseDir(CASE), 'bundle') },
    defaultSource: 'case',
    // Fresh sources for each analysis (no result cache outlives it), as main.ts builds them: only
    // the breakers, kept by pair and source name, remember that a server died.
    serverSources: { lab: () => [createPrometheusSource(promConfig, { api }), createElasticsearchSource(esConfig)] },
    templates: loadTemplates({ baseDir: TEMPLATES_DIR }),
    publicDir: PUBLIC_DIR,
    store,
    security: { ...DEFAULT_SECURITY, limits: LIMITS },
    metrics,
    breakers,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const waves: { accepted: string[]; refused: number }[] = [];
  for (let wave = 0; wave < 3; wave++) {
    const answers = await flood(base, 10 * CAPACITY);
    const accepted = checkAnswers(answers, `wave ${wave}`);
    waves.push({ accepted, refused: answers.length - accepted.length });
    assert.equal((await httpRequest(`${base}/healthz`)).status, 200, 'still up');
    await Promise.all(accepted.map((id) => store.get(id)!.done));
  }
  assert.ok(killed, 'the servers were killed during the first wave');

  const reports: Report[] = [];
  for (const id of waves.flatMap((w) => w.accepted)) {
    const res = await httpJson<{ status: string; report: Report | null; error: unknown }>(`${base}/api/analyses/${id}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'done', `${id}: ${JSON.stringify(res.json.error)}`);
    const report = res.json.report!;
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
  assert.deepEqual(breakers.snapshot().map((c) => `${c.key}:${c.state}`).sort(), ['lab/elasticsearch:open', 'lab/prometheus:open']);
  const last = reports[reports.length - 1]!;
  const esSkipped = last.sources.find((s) => s.sourceId === 'elasticsearch' && s.format === 'circuit-breaker');
  assert.match(esSkipped?.message ?? '', /^source elasticsearch: circuit open since \d{4}-\d\d-\d\dT[\d:.]+Z, not queried: it failed \d+ times in a row/, 'the ES breaker says why it skipped');
  assert.deepEqual(esSkipped?.evidence, ['audit', 'logs', 'events'], 'what the analysis went without');

  const text = (await httpRequest(`${base}/metrics`)).text;
  const refused = waves.reduce((n, w) => n + w.refused, 0);
  assert.match(text, new RegExp(`rootline_requests_rejected_total\\{reason="busy"\\} ${refused}`));
  assert.match(text, new RegExp(`rootline_analysis_duration_seconds_count\\{outcome="done"\\} ${reports.length}`));
  const skipped = statuses.filter((s) => s === 'circuit-breaker:failed').length;
  assert.match(text, new RegExp(`rootline_source_errors_total\\{source="prometheus",kind="circuit_open"\\} ${skipped}\\n`));
  assert.match(text, /rootline_source_circuit_state\{source="lab\/prometheus",state="open"\} 1\n/);
  assert.match(text, /rootline_source_circuit_state\{source="lab\/prometheus",state="closed"\} 0\n/);
  t.diagnostic(`waves: ${waves.map((w) => `${w.accepted.length} accepted / ${w.refused} refused`).join(', ')}; ${reports.length} reports, all ${label.rootCause} on ${label.culprit?.host}; ${skipped} skipped by the open Prometheus circuit`);
});
