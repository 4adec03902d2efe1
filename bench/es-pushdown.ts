// Benchmark (issue 3): the audit aggregation pushed down to Elasticsearch versus pulling every audit
// document and aggregating in Node, on a bundle with over a million audit events, in one run
// against the same index:
//   (a) rootline's Elasticsearch source fetching the window's audit evidence: one size-0 request
//       (date_histogram x terms by verb and code, HDR percentiles of a Painless latency script,
//       top user agents, latency annotations), then the notable requests read with PIT (capped);
//       the bare aggregation request is timed on its own too;
//   (b) every audit document of the window pulled with point in time + search_after (10 000 a
//       page, only the fields the aggregate needs) and folded in Node into the same aggregate,
//       with exact percentiles.
// Both must give the same aggregate: counts per bucket, per verb, per code, top user agents and
// annotations and the notable requests equal; p50/p99 within the HDR histogram's 1 % of the exact
// nearest-rank value (the differences are reported).
// The process exits 1 when they differ. Bytes are counted on the client's TCP sockets (HTTP
// headers and bodies, uncompressed).
//
//   sh bench/run es-pushdown                         # generates /tmp/rootline-bench-es if absent
//   sh bench/run es-pushdown --case DIR [--reload] [--repeat 3] [--json out.json]
// Needs ES_URL (source .ci/services/elasticsearch.sh). Options: --case DIR (a case folder with
// label.json and bundle/audit/audit.log), --index NAME, --reload, --repeat N (timed rounds, median
// reported), --audit-rate R --minutes M --seed S (for the generated case), --json FILE.
import { spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AuditAggregate } from '../correlators/signals/index.js';
import { parseSourceConfig } from '../server/sources/config.js';
import { auditStepMs, buildAuditAggregationBody, createElasticsearchSource, createEsApi, LATENCY_ANNOTATIONS, PRESET_MAPPINGS, resolveFields, AUDIT_PRESET_FIELDS, SLOW_REQUEST_MS, type AuditQueryOptions, type EsApi } from '../server/sources/elasticsearch/index.js';
import { readLabel } from '../test/integration/helpers/bundle-docs.js';
import { esRequest } from '../test/integration/helpers/es-load.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ES_URL = process.env['ES_URL'];
const index = opt('--index') ?? 'rl-bench-audit';
const repeat = Math.max(1, Number(opt('--repeat') ?? '1'));
const PAGE = 10_000;
const TOP_AGENTS = 20;
const LONG_RUNNING = ['watch'];
const out = (s: string): void => void process.stdout.write(`${s}\n`);

// ---- bytes on the wire: every client TCP socket this process opens (the ES client and fetch) ----
const sockets = new Set<Socket>();
diagnostics.subscribe('net.client.socket', (m) => void sockets.add((m as { socket: Socket }).socket));
const wireBytes = (): number => {
  let n = 0;
  for (const s of sockets) n += (s.bytesRead ?? 0) + (s.bytesWritten ?? 0);
  return n;
};

/** Runs `f`, returning its result, wall time and the bytes sent and received meanwhile. */
async function measure<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; bytes: number }> {
  const b0 = wireBytes();
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0, bytes: wireBytes() - b0 };
}

// ---- the case: a generated bundle with >= 1 M audit events ----
function ensureCase(): string {
  const given = opt('--case');
  if (given) return given;
  const rate = opt('--audit-rate') ?? '600';
  const minutes = opt('--minutes') ?? '30';
  const seed = opt('--seed') ?? '3';
  const root = path.join(os.tmpdir(), `rootline-bench-es-${rate}x${minutes}`);
  const dir = path.join(root, `etcd-disk-latency-${seed}-1`);
  if (existsSync(path.join(dir, 'label.json'))) return dir;
  const gen = process.env['ROOTLINE_GENERATOR'] ?? path.resolve(REPO, '..', 'shared', 'bench', 'generate.mjs');
  out(`generating ${dir} (${rate} audit events/s for ${minutes} min) with ${gen} ...`);
  const r = spawnSync(process.execPath, [gen, '--out', root, '--seed', seed, '--causes', 'etcd-disk-latency', '--audit-rate', rate, '--minutes', minutes], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(path.join(dir, 'label.json'))) throw new Error(`generate.mjs failed (status ${r.status})`);
  return dir;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file)) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  }
  return n;
}

async function countDocs(): Promise<number> {
  const r = await esRequest(ES_URL!, 'GET', `/${index}/_count`);
  return r.status === 200 ? Number((r.json as { count?: number }).count ?? 0) : -1;
}

/**
 * Bulk-loads the audit log as-is with the raw-audit preset's mapping. Fields the preset does not
 * map stay in `_source` unindexed (`dynamic: false`, what an index template for audit logs does);
 * the annotations object stays dynamic, as the preset has it. Two bulk requests in flight.
 */
async function load(file: string): Promise<{ docs: number; ms: number; bytes: number }> {
  await esRequest(ES_URL!, 'DELETE', `/${index}`);
  const mapping = { ...PRESET_MAPPINGS['raw-audit']!, dynamic: false };
  const settings = { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1', 'translog.durability': 'async' };
  const c = await esRequest(ES_URL!, 'PUT', `/${index}`, { settings, mappings: mapping });
  if (c.status !== 200) throw new Error(`create ${index}: ${JSON.stringify(c.json)}`);
  const t0 = performance.now();
  let bytes = 0;
  let docs = 0;
  const inFlight = new Set<Promise<void>>();
  const send = (body: string): void => {
    bytes += Buffer.byteLength(body);
    const p = esRequest(ES_URL!, 'POST', `/${index}/_bulk`, body).then((r) => {
      const j = r.json as { errors?: boolean; items?: { index?: { error?: unknown } }[] };
      if (r.status !== 200 || j.errors) throw new Error(`bulk: HTTP ${r.status} ${JSON.stringify(j.items?.find((i) => i.index?.error)?.index?.error ?? r.json).slice(0, 300)}`);
    });
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  let buf: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    buf.push('{"index":{}}', line);
    docs++;
    if (buf.length >= 2 * 5000) {
      send(buf.join('\n') + '\n');
      buf = [];
      if (inFlight.size >= 2) await Promise.race(inFlight);
      if (docs % 200_000 === 0) out(`  loaded ${docs} (${(docs / ((performance.now() - t0) / 1000)).toFixed(0)} docs/s)`);
    }
  }
  if (buf.length > 0) send(buf.join('\n') + '\n');
  await Promise.all(inFlight);
  await esRequest(ES_URL!, 'POST', `/${index}/_refresh`);
  await esRequest(ES_URL!, 'POST', `/${index}/_forcemerge?max_num_segments=1`);
  await esRequest(ES_URL!, 'PUT', `/${index}/_settings`, { index: { refresh_interval: '1s' } });
  return { docs, ms: performance.now() - t0, bytes };
}

// ---- (b): pull every document, aggregate in Node ----

interface Pulled {
  docs: number;
  pages: number;
  total: number[];
  byVerb: Map<string, number[]>;
  byCode: Map<string, number[]>;
  /** Exact latencies (ms, as Elasticsearch's millisecond date doc values give them) per bucket. */
  latencies: number[][];
  agents: Map<string, { requests: number; errors: number; throttled: number; firstMs: number }>;
  annotations: Map<string, number>;
  /** 5xx, 429, 410 or slower than SLOW_REQUEST_MS (not long-running): what the source samples. */
  notable: number;
}

interface AuditDoc {
  stageTimestamp?: string;
  requestReceivedTimestamp?: string;
  verb?: string;
  stage?: string;
  userAgent?: string;
  responseStatus?: { code?: number };
  annotations?: Record<string, unknown>;
}

/** Milliseconds since the epoch as a date field's doc value holds it (sub-millisecond digits cut). */
const docValueMs = (iso: string): number => Date.parse(iso);

async function pullAndAggregate(api: EsApi, o: AuditQueryOptions): Promise<Pulled> {
  const n = Math.ceil((o.toMs - o.fromMs) / o.stepMs);
  const zeros = (): number[] => new Array<number>(n).fill(0);
  const p: Pulled = { docs: 0, pages: 0, total: zeros(), byVerb: new Map(), byCode: new Map(), latencies: Array.from({ length: n }, () => []), agents: new Map(), annotations: new Map(), notable: 0 };
  let pit = await api.openPointInTime(index, '2m');
  let after: unknown[] | undefined;
  try {
    for (;;) {
      const body: Record<string, unknown> = {
        size: PAGE,
        // the same window the aggregation filters on; the stage is checked below
        query: { bool: { filter: [{ range: { stageTimestamp: { gte: o.fromMs, lt: o.toMs, format: 'epoch_millis' } } }] } },
        _source: ['stageTimestamp', 'requestReceivedTimestamp', 'verb', 'stage', 'userAgent', 'responseStatus.code', 'annotations'],
        sort: [{ stageTimestamp: 'asc' }, { _doc: 'asc' }],
        pit: { id: pit, keep_alive: '2m' },
        track_total_hits: false,
      };
      if (after) body['search_after'] = after;
      const res = (await api.search(undefined, body)) as { pit_id?: string; hits: { hits: { _source: AuditDoc; sort: unknown[] }[] } };
      p.pages++;
      pit = res.pit_id ?? pit;
      const hits = res.hits.hits;
      for (const h of hits) fold(p, h._source, o);
      if (hits.length < PAGE) break;
      after = hits[hits.length - 1]!.sort;
    }
  } finally {
    await api.closePointInTime(pit);
  }
  return p;
}

function fold(p: Pulled, s: AuditDoc, o: AuditQueryOptions): void {
  if (s.stage !== undefined && s.stage !== 'ResponseComplete' && s.stage !== 'Panic') return;
  if (!s.stageTimestamp) return;
  const at = docValueMs(s.stageTimestamp);
  const i = Math.floor((at - o.fromMs) / o.stepMs);
  if (i < 0 || i >= p.total.length) return;
  p.docs++;
  p.total[i]!++;
  const n = p.total.length;
  if (s.verb !== undefined) {
    let v = p.byVerb.get(s.verb);
    if (!v) p.byVerb.set(s.verb, (v = new Array<number>(n).fill(0)));
    v[i]!++;
  }
  const code = s.responseStatus?.code;
  if (code !== undefined) {
    let c = p.byCode.get(String(code));
    if (!c) p.byCode.set(String(code), (c = new Array<number>(n).fill(0)));
    c[i]!++;
  }
  const longRunning = s.verb !== undefined && LONG_RUNNING.includes(s.verb);
  const latency = s.requestReceivedTimestamp ? at - docValueMs(s.requestReceivedTimestamp) : undefined;
  if (!longRunning && latency !== undefined) p.latencies[i]!.push(latency);
  if (s.userAgent !== undefined) {
    let a = p.agents.get(s.userAgent);
    if (!a) p.agents.set(s.userAgent, (a = { requests: 0, errors: 0, throttled: 0, firstMs: at }));
    a.requests++;
    if (code !== undefined && code >= 500) a.errors++;
    if (code === 429) a.throttled++;
    if (at < a.firstMs) a.firstMs = at;
  }
  for (const name of LATENCY_ANNOTATIONS) {
    if (s.annotations?.[name] !== undefined) {
      const short = name.replace(/^apiserver\.latency\.k8s\.io\//, '');
      p.annotations.set(short, (p.annotations.get(short) ?? 0) + 1);
    }
  }
  if ((code !== undefined && (code >= 500 || code === 429 || code === 410)) || (!longRunning && latency !== undefined && latency > SLOW_REQUEST_MS)) p.notable++;
}

/**
 * The nearest-rank quantile as HdrHistogram 2.1.9 (Elasticsearch 7.10) ranks it: the value at rank
 * max(1, round(q * n)), 1-based. (Probed on the server: of 10, 20, ..., 1000, p99.4 is 990.)
 */
function exactQuantile(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.floor(q * sorted.length + 0.5));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

// ---- comparison ----

interface Comparison {
  ok: boolean;
  problems: string[];
  percentile: { q: number; buckets: number; maxAbsMs: number; p99AbsMs: number; maxRel: number; within: number; tolerance: string }[];
}

/** The HDR histogram's resolution with 2 significant digits: 1 % of the value (it answers a bucket's highest value). */
const PCT_TOL_REL = 0.01;

function compare(agg: AuditAggregate, pulled: Pulled, notableFromSource: number): Comparison {
  const problems: string[] = [];
  const same = (what: string, a: number[], b: number[]): void => {
    if (a.length !== b.length) { problems.push(`${what}: ${a.length} buckets vs ${b.length}`); return; }
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0) problems.push(`${what}: bucket ${i} ${a[i]} (pushdown) vs ${b[i]} (pull)`);
  };
  same('total', agg.total, pulled.total);
  const keys = (a: Iterable<string>, b: Iterable<string>): string[] => [...new Set([...a, ...b])].sort();
  const zeros = new Array<number>(agg.total.length).fill(0);
  for (const v of keys(Object.keys(agg.byVerb), pulled.byVerb.keys())) same(`verb ${v}`, agg.byVerb[v] ?? zeros, pulled.byVerb.get(v) ?? zeros);
  for (const c of keys(Object.keys(agg.byCode), pulled.byCode.keys())) same(`code ${c}`, agg.byCode[c] ?? zeros, pulled.byCode.get(c) ?? zeros);
  // terms order: count descending, then key ascending
  const top = [...pulled.agents.entries()].sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, TOP_AGENTS);
  const mine = JSON.stringify(top.map(([ua, s]) => [ua, s.requests, s.errors, s.throttled, s.firstMs]));
  const theirs = JSON.stringify(agg.topUserAgents.map((u) => [u.userAgent, u.requests, u.errors, u.throttled, u.firstMs]));
  if (mine !== theirs) problems.push(`top user agents differ:\n    pushdown ${theirs.slice(0, 400)}\n    pull     ${mine.slice(0, 400)}`);
  const ann = (m: Record<string, number>): string => JSON.stringify(Object.entries(m).sort());
  if (ann(agg.latencyAnnotations) !== ann(Object.fromEntries(pulled.annotations))) problems.push(`annotations: ${ann(agg.latencyAnnotations)} vs ${ann(Object.fromEntries(pulled.annotations))}`);
  if (notableFromSource !== pulled.notable) problems.push(`notable requests: ${notableFromSource} (source: samples + dropped) vs ${pulled.notable} (pull)`);

  const percentile: Comparison['percentile'] = [];
  for (const [q, series] of [[0.5, agg.latencyP50Ms], [0.99, agg.latencyP99Ms]] as const) {
    const abs: number[] = [];
    let maxRel = 0;
    let within = 0;
    let buckets = 0;
    let failed = 0;
    for (let i = 0; i < pulled.latencies.length; i++) {
      const l = pulled.latencies[i]!;
      const got = series[i]!;
      if (l.length === 0) {
        if (Number.isFinite(got)) problems.push(`p${q * 100} bucket ${i}: ${got} ms from Elasticsearch, no latencies pulled`);
        continue;
      }
      l.sort((a, b) => a - b);
      const want = exactQuantile(l, q);
      buckets++;
      const d = Math.abs(got - want);
      abs.push(d);
      maxRel = Math.max(maxRel, want > 0 ? d / want : 0);
      if (d <= PCT_TOL_REL * want + 1e-9) within++;
      else {
        failed++;
        if (failed <= 10) problems.push(`p${q * 100} bucket ${i}: ${got.toFixed(2)} ms (Elasticsearch) vs ${want.toFixed(2)} ms (exact, ${l.length} requests)`);
      }
    }
    if (failed > 10) problems.push(`p${q * 100}: ${failed - 10} more buckets off`);
    abs.sort((a, b) => a - b);
    percentile.push({ q, buckets, maxAbsMs: abs[abs.length - 1] ?? 0, p99AbsMs: abs.length ? exactQuantile(abs, 0.99) : 0, maxRel, within, tolerance: `${PCT_TOL_REL * 100} %` });
  }
  return { ok: problems.length === 0, problems, percentile };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mb = (b: number): string => `${(b / 1e6).toFixed(b < 1e6 ? 3 : 1)} MB`;

async function main(): Promise<void> {
  if (!ES_URL) throw new Error('ES_URL is not set: source .ci/services/elasticsearch.sh first');
  const caseDir = ensureCase();
  const label = readLabel(caseDir);
  const auditFile = path.join(caseDir, 'bundle', 'audit', 'audit.log');
  const lines = await countLines(auditFile);
  let docs = await countDocs();
  let loadInfo: Awaited<ReturnType<typeof load>> | undefined;
  if (docs !== lines || args.includes('--reload')) {
    out(`loading ${lines} audit events from ${auditFile} into ${index} ...`);
    loadInfo = await load(auditFile);
    docs = await countDocs();
    out(`loaded ${loadInfo.docs} in ${(loadInfo.ms / 1000).toFixed(1)} s (${(loadInfo.docs / (loadInfo.ms / 1000)).toFixed(0)} docs/s, ${mb(loadInfo.bytes)} of bulk bodies)`);
  }
  if (docs !== lines) throw new Error(`${index} holds ${docs} documents, the audit log ${lines} lines`);

  const window = label.window;
  const stepMs = auditStepMs(window.fromMs, window.toMs);
  const fields = resolveFields(AUDIT_PRESET_FIELDS['raw-audit'], {});
  const o: AuditQueryOptions = { fromMs: window.fromMs, toMs: window.toMs, stepMs, fields, longRunningVerbs: LONG_RUNNING, topUserAgents: TOP_AGENTS };
  const config = parseSourceConfig({ elasticsearch: { url: ES_URL, audit: { index, cap: 5000, topUserAgents: TOP_AGENTS, longRunningVerbs: LONG_RUNNING }, timeout: '300s', retries: 0 } }, {}).elasticsearch!;
  const api = createEsApi(config);
  // The shard request cache would answer a repeated size-0 aggregation from memory: cleared before
  // every timed request. One untimed round first (JIT, Painless compilation, segment readers).
  const clearCache = async (): Promise<void> => void (await esRequest(ES_URL, 'POST', `/${index}/_cache/clear?request=true`));
  await api.search(index, buildAuditAggregationBody(o));
  await api.search(index, { size: PAGE, query: { match_all: {} }, _source: ['stageTimestamp'] });

  const rounds: { aggMs: number; aggBytes: number; sourceMs: number; sourceBytes: number; pullMs: number; pullBytes: number }[] = [];
  let lastAgg: AuditAggregate | undefined;
  let lastNotable = 0;
  let lastPulled: Pulled | undefined;
  let sourceStatus = '';
  for (let r = 0; r < repeat; r++) {
    await clearCache();
    const agg = await measure(() => api.search(index, buildAuditAggregationBody(o)));
    await clearCache();
    // a fresh source per round: its per-analysis cache must not answer
    const src = await measure(() => createElasticsearchSource(config).fetch(window));
    const set = src.value;
    const a = set.audit[0];
    if (!a) throw new Error(`the source gave no audit aggregate: ${set.sources[0]?.message}`);
    sourceStatus = `${set.sources[0]?.status}: ${set.sources[0]?.message}; limits ${JSON.stringify(set.sources[0]?.limits ?? [])}`;
    lastAgg = a;
    lastNotable = a.samples.length + a.samplesDropped;
    await clearCache();
    const pull = await measure(() => pullAndAggregate(api, o));
    lastPulled = pull.value;
    rounds.push({ aggMs: agg.ms, aggBytes: agg.bytes, sourceMs: src.ms, sourceBytes: src.bytes, pullMs: pull.ms, pullBytes: pull.bytes });
    out(`round ${r + 1}/${repeat}: aggregation request ${agg.ms.toFixed(0)} ms, source audit fetch ${src.ms.toFixed(0)} ms, pull + fold ${pull.ms.toFixed(0)} ms`);
  }
  const cmp = compare(lastAgg!, lastPulled!, lastNotable);
  const eventsInWindow = lastAgg!.total.reduce((x, y) => x + y, 0);
  const m = {
    aggMs: median(rounds.map((r) => r.aggMs)),
    sourceMs: median(rounds.map((r) => r.sourceMs)),
    pullMs: median(rounds.map((r) => r.pullMs)),
    aggBytes: median(rounds.map((r) => r.aggBytes)),
    sourceBytes: median(rounds.map((r) => r.sourceBytes)),
    pullBytes: median(rounds.map((r) => r.pullBytes)),
  };
  out('');
  out(`Elasticsearch audit pushdown vs pull (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ES ${ES_URL}, index ${index}: ${docs} docs)`);
  out(`case ${path.basename(caseDir)}: ${eventsInWindow} audit events in the ${((window.toMs - window.fromMs) / 60_000).toFixed(0)} min window, grid ${lastAgg!.total.length} x ${stepMs} ms; median of ${repeat} round(s)`);
  const row = (name: string, ms: number, bytes: number, requests: string): void => {
    out(`  ${name.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(8)} s ${(eventsInWindow / (ms / 1000)).toFixed(0).padStart(10)} events/s ${mb(bytes).padStart(11)} ${requests}`);
  };
  row('(a) aggregation request (pushed down)', m.aggMs, m.aggBytes, '1 request');
  row('(a) source audit fetch (aggregation + notable)', m.sourceMs, m.sourceBytes, `aggregation + PIT read of ${lastNotable} notable (cap 5000)`);
  row('(b) pull every document + aggregate in Node', m.pullMs, m.pullBytes, `${lastPulled!.pages} pages of ${PAGE}, ${lastPulled!.docs} docs`);
  out(`  ratio (b)/(a): ${(m.pullMs / m.aggMs).toFixed(1)}x vs the aggregation request, ${(m.pullMs / m.sourceMs).toFixed(1)}x vs the source's whole audit fetch; bytes ${(m.pullBytes / m.aggBytes).toFixed(0)}x / ${(m.pullBytes / m.sourceBytes).toFixed(0)}x`);
  out(`  source report: ${sourceStatus}`);
  for (const p of cmp.percentile) out(`  p${p.q * 100} Elasticsearch (HDR) vs exact over ${p.buckets} buckets: max |diff| ${p.maxAbsMs.toFixed(2)} ms, 99th pct |diff| ${p.p99AbsMs.toFixed(2)} ms, max rel ${(p.maxRel * 100).toFixed(1)} %, ${p.within}/${p.buckets} within ${p.tolerance}`);
  out(`  same aggregate (counts by bucket/verb/code, top ${TOP_AGENTS} user agents, annotations, notable requests; percentiles within tolerance): ${cmp.ok ? 'YES' : 'NO'}`);
  for (const p of cmp.problems) out(`    - ${p}`);
  const json = opt('--json');
  if (json) {
    writeFileSync(json, JSON.stringify({ at: new Date().toISOString(), cores: os.cpus().length, loadavg: os.loadavg(), case: caseDir, index, docs, eventsInWindow, stepMs, repeat, rounds, median: m, load: loadInfo, comparison: cmp }, null, 2));
    out(`  written to ${json}`);
  }
  if (!cmp.ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`es-pushdown: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
