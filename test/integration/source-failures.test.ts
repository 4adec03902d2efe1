// Failures of the real servers, seen in the final Report: a server stopped mid-analysis, wrong
// credentials, a query the server rejects. Each time the Report (not only the SourceReport) names
// the source in dataQuality, says in the leading hypothesis what its loss leaves out, lowers the
// confidence for it, and still answers from the rest. The analyses run through the pipeline the
// CLI and the API use (runAnalysis with server sources), on one development bundle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Report } from '../../correlators/report/index.js';
import { runAnalysis } from '../../server/pipeline.js';
import { parseSourceConfig, type SourceConfigFile } from '../../server/sources/config.js';
import { createElasticsearchSource } from '../../server/sources/elasticsearch/index.js';
import { createPromRangeApi, createPrometheusSource } from '../../server/sources/prometheus/index.js';
import type { SignalSource } from '../../server/sources/types.js';
import { startAuthProxy } from './helpers/auth-proxy.js';
import { readBundleDocs, readLabel } from './helpers/bundle-docs.js';
import { caseDir, REPO_ROOT, serversOrSkip, startScratchPrometheus } from './helpers/env.js';
import { bulkLoad, createIndex, esRequest } from './helpers/es-load.js';

const PROM_URL = process.env['PROM_URL'];
const ES_URL = process.env['ES_URL'];
const skip = serversOrSkip('source failure tests', ['PROM_URL', 'ES_URL']);

const ID = 'etcd-disk-latency-1-1';
// Own indexes, per process: another run of this file may use the same server at the same time.
const INDEX = { audit: `rl-fail-${process.pid}-audit`, logs: `rl-fail-${process.pid}-logs`, events: `rl-fail-${process.pid}-events` };
// read once the servers are there: without them (a clone outside the shared folder) nothing is read
let window!: ReturnType<typeof readLabel>['window'];

before(async () => {
  if (skip) return;
  window = readLabel(caseDir(ID)).window;
  const d = readBundleDocs(path.join(caseDir(ID), 'bundle'), window);
  const plan: [string, string, Record<string, unknown>[]][] = [[INDEX.audit, 'raw-audit', d.rawAudit], [INDEX.logs, 'fluent-bit', d.logs], [INDEX.events, 'event-exporter', d.events]];
  await Promise.all(plan.map(async ([index, preset, docs]) => {
    await createIndex(ES_URL!, index, preset);
    await bulkLoad(ES_URL!, index, docs);
  }));
});

after(async () => {
  if (!skip) await Promise.all(Object.values(INDEX).map((index) => esRequest(ES_URL!, 'DELETE', `/${index}`)));
});

const promConfig = (url: string, extra: Partial<NonNullable<SourceConfigFile['prometheus']>> = {}, env: Record<string, string> = {}) =>
  parseSourceConfig({ prometheus: { url, retries: 1, backoff: '10ms', ...extra } }, env).prometheus!;
const esConfig = (url: string, extra: Partial<NonNullable<SourceConfigFile['elasticsearch']>> = {}, env: Record<string, string> = {}) =>
  parseSourceConfig({ elasticsearch: { url, retries: 1, backoff: '10ms', audit: { index: INDEX.audit }, logs: { index: INDEX.logs }, events: { index: INDEX.events }, ...extra } }, env).elasticsearch!;

const analyse = (...sources: SignalSource[]): Promise<Report> => runAnalysis({ input: 'prometheus+elasticsearch:test', sources, window });

/** The checks every failure shares: named in dataQuality and in `missing`, and an answer all the same. */
function assertNamedAndAnswered(r: Report, healthy: Report, sourceId: string, status: 'failed' | 'degraded', message: RegExp, missing: RegExp): void {
  const dq = r.dataQuality.find((d) => d.sourceId === sourceId);
  assert.ok(dq, `dataQuality names ${sourceId}: ${JSON.stringify(r.dataQuality.map((d) => d.sourceId))}`);
  assert.equal(dq.status, status);
  assert.match(dq.message, message);
  assert.equal(r.sources.find((s) => s.sourceId === sourceId)?.status, status, 'the source list says it too');
  assert.equal(r.verdict, 'incident', r.summary);
  assert.equal(r.hypotheses[0]?.cause, healthy.hypotheses[0]?.cause, 'the rest still names the cause');
  assert.ok(r.hypotheses[0]!.missing.some((m) => missing.test(m)), `hypotheses[0].missing: ${r.hypotheses[0]!.missing.join(' | ')}`);
  assert.ok(r.hypotheses[0]!.confidence < healthy.hypotheses[0]!.confidence, `confidence ${r.hypotheses[0]!.confidence} below ${healthy.hypotheses[0]!.confidence} with every source`);
}

test('failures of the servers are named in the Report, which answers from the rest', { skip }, async (t) => {
  const healthy = await analyse(createPrometheusSource(promConfig(PROM_URL!)), createElasticsearchSource(esConfig(ES_URL!)));
  assert.deepEqual(healthy.dataQuality.filter((d) => d.sourceId !== 'coverage'), [], 'with every source up, nothing to report');

  await t.test('Prometheus stopped mid-analysis', async (t2) => {
    const scratch = await startScratchPrometheus(path.join(caseDir(ID), 'bundle'));
    t2.after(() => scratch.stop());
    const config = promConfig(scratch.url, { concurrency: 1 });
    const real = createPromRangeApi(config);
    let calls = 0;
    const api = {
      async queryRange(q: string, r: Parameters<typeof real.queryRange>[1]) {
        if (++calls === 9) await scratch.stop();
        return real.queryRange(q, r);
      },
    };
    const r = await analyse(createPrometheusSource(config, { api }), createElasticsearchSource(esConfig(ES_URL!)));
    assertNamedAndAnswered(r, healthy, 'prometheus', 'degraded', /^source prometheus: \d+ of \d+ queries failed \(\d+ answered.*cannot reach the server/, /^source prometheus answered only in part: some of its metrics/);
  });

  await t.test('Elasticsearch stopped mid-analysis', async (t2) => {
    const proxy = await startAuthProxy(ES_URL!, 'k', async (n, p) => {
      if (n === 3) await p.stop();
    });
    t2.after(() => proxy.stop());
    const r = await analyse(createPrometheusSource(promConfig(PROM_URL!)), createElasticsearchSource(esConfig(proxy.url, {}, { ROOTLINE_ES_API_KEY: 'k' })));
    assertNamedAndAnswered(r, healthy, `elasticsearch:${INDEX.logs}`, 'failed', new RegExp(`^source elasticsearch: reading logs from ${INDEX.logs} failed: source elasticsearch: cannot reach the server.* \\(analysed without its logs\\)$`), new RegExp(`^source elasticsearch:${INDEX.logs} failed, so its component logs`));
    assert.equal(r.dataQuality.find((d) => d.sourceId === `elasticsearch:${INDEX.audit}`)?.status, 'degraded', 'the audit aggregate read before the stop is kept');
  });

  await t.test('wrong Prometheus password, and a Prometheus that is down', async (t2) => {
    const scratch = await startScratchPrometheus(path.join(caseDir(ID), 'bundle'), path.join(REPO_ROOT, 'test', 'fixtures', 'prometheus', 'web-basic-auth.yml'));
    t2.after(() => scratch.stop());
    const es = () => createElasticsearchSource(esConfig(ES_URL!));
    const esOnly = await analyse(es());
    const denied = await analyse(createPrometheusSource(promConfig(scratch.url, { username: 'rootline' }, { ROOTLINE_PROM_PASSWORD: 'wrong-password' })), es());
    assertNamedAndAnswered(denied, healthy, 'prometheus', 'failed', /^source prometheus: \d+ of \d+ queries failed \(0 answered.*not authorised \(HTTP 401\).* \(analysed without its metrics\)$/, /^source prometheus failed, so its metrics \(etcd fsync/);
    // the loss of metrics, and only it, lowers the confidence of what the rest says (factor 0.8)
    assert.equal(denied.hypotheses[0]!.confidence, Math.round(esOnly.hypotheses[0]!.confidence * 0.8 * 100) / 100);
    const down = await analyse(createPrometheusSource(promConfig('http://127.0.0.1:1', { retries: 0 })), es());
    assertNamedAndAnswered(down, healthy, 'prometheus', 'failed', /^source prometheus: .*cannot reach the server/, /^source prometheus failed/);
  });

  await t.test('wrong Elasticsearch API key', async (t2) => {
    const proxy = await startAuthProxy(ES_URL!, 'rootline-it:good-key');
    t2.after(() => proxy.stop());
    const r = await analyse(createPrometheusSource(promConfig(PROM_URL!)), createElasticsearchSource(esConfig(proxy.url, {}, { ROOTLINE_ES_API_KEY: 'rootline-it:wrong-key' })));
    for (const [index, kind] of [[INDEX.audit, 'audit'], [INDEX.logs, 'logs'], [INDEX.events, 'events']] as const) {
      assert.match(r.dataQuality.find((d) => d.sourceId === `elasticsearch:${index}`)?.message ?? '', new RegExp(`not authorised \\(HTTP 401\\).* \\(analysed without its ${kind}\\)$`), index);
    }
    assertNamedAndAnswered(r, healthy, `elasticsearch:${INDEX.audit}`, 'failed', new RegExp(`^source elasticsearch: audit aggregation on ${INDEX.audit} failed: source elasticsearch: not authorised \\(HTTP 401\\)`), new RegExp(`^source elasticsearch:${INDEX.audit} failed, so its audit log`));
  });

  await t.test('queries the servers reject', async () => {
    // a PromQL syntax error, and a terms aggregation on a text field (HTTP 400 from Elasticsearch)
    const prom = createPrometheusSource(promConfig(PROM_URL!, { queries: [{ id: 'broken_query', promql: 'sum(rate(etcd_server_has_leader[1m]' }] }));
    const es = createElasticsearchSource(esConfig(ES_URL!, { audit: { index: INDEX.audit, fields: { userAgent: 'responseStatus.message' } } }));
    const r = await analyse(prom, es);
    assertNamedAndAnswered(r, healthy, 'prometheus', 'degraded', /^source prometheus: 1 of \d+ queries failed .*first failing query broken_query: .*HTTP 400/, /^source prometheus answered only in part/);
    assert.match(r.dataQuality.find((d) => d.sourceId === `elasticsearch:${INDEX.audit}`)?.message ?? '', new RegExp(`^source elasticsearch: audit aggregation on ${INDEX.audit} failed: .*HTTP 400: search_phase_execution_exception.* \\(analysed without its audit\\)$`));
    assert.ok(r.hypotheses[0]!.missing.some((m) => m.startsWith(`source elasticsearch:${INDEX.audit} failed, so its audit log`)));
  });
});
