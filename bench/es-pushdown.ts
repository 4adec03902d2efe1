// Benchmark: the audit aggregation pushed down to Elasticsearch (one request) versus pulling every
// audit document (point in time + search_after, 10 000 a page) and aggregating in Node, on a
// bundle with over a million audit events. Prints both wall times and their ratio, measured in
// one run against the same index.
//
//   node /work/shared/bench/generate.mjs --out /tmp/big --seed 3 --causes none --audit-rate 600 --minutes 30
//   npx tsc -p . && ES_URL=http://127.0.0.1:19200 node dist/bench/es-pushdown.js --case /tmp/big/none-3-1
//
// Options: --case DIR (a case folder with label.json and bundle/), --index NAME, --reload.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseSourceConfig } from '../server/sources/config.js';
import { auditStepMs, buildAuditAggregationBody, createElasticsearchSource, createEsApi, parseAuditAggregation, PRESET_MAPPINGS, resolveFields, AUDIT_PRESET_FIELDS, type AuditQueryOptions } from '../server/sources/elasticsearch/index.js';
import { readLabel } from '../test/integration/helpers/bundle-docs.js';
import { esRequest } from '../test/integration/helpers/es-load.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ES_URL = process.env['ES_URL'];
const caseDir = opt('--case') ?? '/tmp/big/none-3-1';
const index = opt('--index') ?? 'rl-bench-audit';
const out = (s: string): void => void process.stdout.write(`${s}\n`);

async function countDocs(): Promise<number> {
  const r = await esRequest(ES_URL!, 'GET', `/${index}/_count`);
  return r.status === 200 ? Number((r.json as { count?: number }).count ?? 0) : -1;
}

async function load(file: string): Promise<number> {
  await esRequest(ES_URL!, 'DELETE', `/${index}`);
  const c = await esRequest(ES_URL!, 'PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' }, mappings: PRESET_MAPPINGS['raw-audit'] });
  if (c.status !== 200) throw new Error(`create ${index}: ${JSON.stringify(c.json)}`);
  let buf: string[] = [];
  let n = 0;
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const r = await esRequest(ES_URL!, 'POST', `/${index}/_bulk`, buf.join('\n') + '\n');
    if (r.status !== 200 || (r.json as { errors?: boolean }).errors) throw new Error(`bulk: HTTP ${r.status}`);
    buf = [];
  };
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    buf.push('{"index":{}}', line);
    n++;
    if (buf.length >= 20_000) await flush();
  }
  await flush();
  await esRequest(ES_URL!, 'POST', `/${index}/_refresh`);
  await esRequest(ES_URL!, 'POST', `/${index}/_forcemerge?max_num_segments=1`);
  return n;
}

/** Pull every document of the window and fold it in Node: counts per bucket, verb, code; exact p50/p99. */
async function pullAndAggregate(o: AuditQueryOptions): Promise<{ docs: number; total: number[]; p99Peak: number }> {
  const api = createEsApi(parseSourceConfig({ elasticsearch: { url: ES_URL, audit: { index }, timeout: '120s' } }, {}).elasticsearch!);
  let pit = await api.openPointInTime(index, '2m');
  const n = Math.ceil((o.toMs - o.fromMs) / o.stepMs);
  const total = new Array<number>(n).fill(0);
  const byVerb = new Map<string, number[]>();
  const byCode = new Map<string, number[]>();
  const lat: number[][] = Array.from({ length: n }, () => []);
  let after: unknown[] | undefined;
  let docs = 0;
  for (;;) {
    const body: Record<string, unknown> = {
      size: 10_000,
      query: { bool: { filter: [{ range: { stageTimestamp: { gte: o.fromMs, lt: o.toMs, format: 'epoch_millis' } } }] } },
      _source: ['stageTimestamp', 'requestReceivedTimestamp', 'verb', 'responseStatus.code', 'userAgent', 'stage'],
      sort: [{ stageTimestamp: 'asc' }, { _doc: 'asc' }],
      pit: { id: pit, keep_alive: '2m' },
      track_total_hits: false,
    };
    if (after) body['search_after'] = after;
    const res = (await api.search(undefined, body)) as { pit_id?: string; hits: { hits: { _source: Record<string, unknown>; sort: unknown[] }[] } };
    pit = res.pit_id ?? pit;
    const hits = res.hits.hits;
    for (const h of hits) {
      const s = h._source as { stageTimestamp: string; requestReceivedTimestamp?: string; verb?: string; responseStatus?: { code?: number }; stage?: string };
      if (s.stage && s.stage !== 'ResponseComplete' && s.stage !== 'Panic') continue;
      const at = Date.parse(s.stageTimestamp);
      const i = Math.floor((at - o.fromMs) / o.stepMs);
      if (i < 0 || i >= n) continue;
      docs++;
      total[i]!++;
      const v = s.verb ?? 'unknown';
      (byVerb.get(v) ?? byVerb.set(v, new Array<number>(n).fill(0)).get(v)!)[i]!++;
      const c = String(s.responseStatus?.code ?? 'unknown');
      (byCode.get(c) ?? byCode.set(c, new Array<number>(n).fill(0)).get(c)!)[i]!++;
      if (v !== 'watch' && s.requestReceivedTimestamp) lat[i]!.push(at - Date.parse(s.requestReceivedTimestamp));
    }
    if (hits.length < 10_000) break;
    after = hits[hits.length - 1]!.sort;
  }
  await api.closePointInTime(pit);
  let p99Peak = 0;
  for (const l of lat) {
    if (l.length === 0) continue;
    l.sort((a, b) => a - b);
    p99Peak = Math.max(p99Peak, l[Math.min(l.length - 1, Math.ceil(0.99 * l.length) - 1)]!);
  }
  return { docs, total, p99Peak };
}

async function main(): Promise<void> {
  if (!ES_URL) throw new Error('ES_URL is not set: source .ci/services/elasticsearch.sh first');
  const label = readLabel(caseDir);
  const auditFile = path.join(caseDir, 'bundle', 'audit', 'audit.log');
  let docs = await countDocs();
  if (docs <= 0 || args.includes('--reload')) {
    const t = performance.now();
    docs = await load(auditFile);
    out(`loaded ${docs} audit events into ${index} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const fields = resolveFields(AUDIT_PRESET_FIELDS['raw-audit'], {});
  const o: AuditQueryOptions = { fromMs: label.window.fromMs, toMs: label.window.toMs, stepMs: auditStepMs(label.window.fromMs, label.window.toMs), fields, longRunningVerbs: ['watch'], topUserAgents: 20 };
  const api = createEsApi(parseSourceConfig({ elasticsearch: { url: ES_URL, audit: { index }, timeout: '120s' } }, {}).elasticsearch!);
  // Warm up once (JIT, segment readers); clear the shard request cache before every timed request,
  // or a repeated size-0 aggregation would be answered from it.
  const clearCache = (): Promise<unknown> => esRequest(ES_URL, 'POST', `/${index}/_cache/clear?request=true`);
  await api.search(index, buildAuditAggregationBody(o));
  await clearCache();

  let t = performance.now();
  const aggBody = buildAuditAggregationBody(o);
  const aggRes = await api.search(index, aggBody);
  const pushdownMs = performance.now() - t;
  const agg = parseAuditAggregation(aggRes, o, 'bench');

  await clearCache();
  t = performance.now();
  const source = createElasticsearchSource(parseSourceConfig({ elasticsearch: { url: ES_URL, audit: { index, cap: 5000 }, timeout: '120s' } }, {}).elasticsearch!);
  const set = await source.fetch(label.window);
  const sourceMs = performance.now() - t;

  t = performance.now();
  const pulled = await pullAndAggregate(o);
  const pullMs = performance.now() - t;

  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  const same = JSON.stringify(agg.aggregate.total) === JSON.stringify(pulled.total);
  out(`audit events in window: ${agg.total} (index holds ${docs}); grid ${agg.aggregate.total.length} x ${o.stepMs} ms`);
  out(`pushdown: one aggregation request        ${pushdownMs.toFixed(0)} ms`);
  out(`pushdown: whole audit fetch of the source ${sourceMs.toFixed(0)} ms (aggregation + ${set.audit[0]?.samples.length ?? 0} notable samples via PIT; ${set.sources[0]?.status})`);
  out(`pull: PIT + search_after of ${pulled.docs} documents, aggregated in Node ${pullMs.toFixed(0)} ms`);
  out(`counts per bucket identical: ${same} (${sum(agg.aggregate.total)} vs ${sum(pulled.total)}); peak p99 ${Math.max(...agg.aggregate.latencyP99Ms.filter(Number.isFinite)).toFixed(1)} ms (TDigest) vs ${pulled.p99Peak.toFixed(1)} ms (exact)`);
  out(`ratio pull / pushdown: ${(pullMs / pushdownMs).toFixed(1)}x (aggregation request), ${(pullMs / sourceMs).toFixed(1)}x (whole source fetch)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`es-pushdown: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
