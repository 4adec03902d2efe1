/**
 * The Elasticsearch source: audit aggregated by Elasticsearch in one request, notable audit
 * requests, sparse component logs and Kubernetes events read with PIT + search_after and capped.
 * One SourceReport per configured index; a server that is down, slow or refuses us gives a
 * `failed` / `degraded` report naming the source and the request, never a rejection.
 */
import type { AnalysisWindow, AuditAggregate, BadLine, EvidenceKind, LogRecord, SignalSet, SourceReport } from '../../../correlators/signals/index.js';
import type { ElasticsearchSourceConfig, EsIndexConfig } from '../config.js';
import { formatPromDuration, sleep as realSleep, withRetry, type Sleep } from '../prometheus/index.js';
import type { FetchOptions, SignalSource } from '../types.js';
import { auditStepMs, buildAuditAggregationBody, parseAuditAggregation, type AuditQueryOptions } from './audit-query.js';
import { createEsApi, isRetryableEsError, type EsApi } from './client.js';
import { hitSchema, mapAuditSample, mapEventHit, mapLogHit, type Hit, type Mapped } from './map-hits.js';
import { readWithPit, type PitPage, type PitQuery } from './pit-reader.js';
import { AUDIT_PRESET_FIELDS, EVENT_PRESET_FIELDS, LOG_PRESET_FIELDS, resolveFields } from './presets.js';
import { buildEventQuery, buildNotableAuditQuery, buildSparseLogQuery } from './sparse-query.js';

export interface ElasticsearchSourceDeps {
  api?: EsApi;
  /** Results by request; share one map to reuse results across fetches of an analysis. */
  cache?: Map<string, unknown>;
  sleep?: Sleep;
}

const MAX_BAD_SAMPLES = 5;
/** Largest page of notable audit requests (Elasticsearch's default max_result_window). */
const NOTABLE_PAGE = 10_000;

interface Ctx {
  config: ElasticsearchSourceConfig;
  api: EsApi;
  cache: Map<string, unknown>;
  wait: Sleep;
  window: AnalysisWindow;
  options: FetchOptions;
  /** The first unreachable / unauthorised error: later requests are not sent. */
  down?: Error;
}

/**
 * Logs and events are read from 1 h before the window to 10 min after it, as the file source keeps
 * them: the lead-up explains the onset, the tail shows the cascade.
 */
const LOGS_BEFORE_MS = 60 * 60_000;
const LOGS_AFTER_MS = 10 * 60_000;

/** A SignalSource over Elasticsearch (7.10+, or OpenSearch behind the same API). */
export function createElasticsearchSource(config: ElasticsearchSourceConfig, deps: ElasticsearchSourceDeps = {}): SignalSource {
  const cache = deps.cache ?? new Map<string, unknown>();
  let api = deps.api;
  const evidence: EvidenceKind[] = [...(config.audit ? ['audit' as const] : []), ...(config.logs ? ['logs' as const] : []), ...(config.events ? ['events' as const] : [])];
  return {
    name: config.name,
    evidence,
    async fetch(window, options = {}) {
      const set: SignalSet = { window, logs: [], series: [], audit: [], sources: [] };
      try {
        api ??= createEsApi(config);
      } catch (err) {
        set.sources.push(report(config.name, 'elasticsearch', { status: 'failed', message: `source ${config.name}: cannot set up the client: ${(err as Error).message}`, evidence: [...evidence] }));
        return set;
      }
      const ctx: Ctx = { config, api, cache, wait: deps.sleep ?? realSleep, window, options };
      if (config.audit) {
        const r = await fetchAudit(ctx, config.audit);
        if (r.aggregate) set.audit.push(r.aggregate);
        set.sources.push(r.report);
      }
      if (config.logs) {
        const fields = resolveFields(LOG_PRESET_FIELDS[config.logs.preset], config.logs.fields);
        const r = await fetchRecords(ctx, config.logs, 'logs', buildSparseLogQuery(window.fromMs - LOGS_BEFORE_MS, window.toMs + LOGS_AFTER_MS, fields), fields.timestamp ?? '@timestamp', (h) => mapLogHit(h, fields, config.logs!.zone, `${config.name}:${config.logs!.index}`));
        set.logs.push(...r.records);
        set.sources.push(r.report);
      }
      if (config.events) {
        const fields = resolveFields(EVENT_PRESET_FIELDS[config.events.preset], config.events.fields);
        const r = await fetchRecords(ctx, config.events, 'events', buildEventQuery(window.fromMs - LOGS_BEFORE_MS, window.toMs + LOGS_AFTER_MS, fields), fields.timestamp ?? 'firstTimestamp', (h) => mapEventHit(h, fields, config.events!.zone, `${config.name}:${config.events!.index}`));
        set.logs.push(...r.records);
        set.sources.push(r.report);
      }
      set.logs.sort((a, b) => a.atMs - b.atMs);
      return set;
    },
  };
}

function report(sourceId: string, format: string, part: Partial<SourceReport> & Pick<SourceReport, 'status'>): SourceReport {
  return { sourceId, format, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0, ...part };
}

/** One request with cache, retries and the circuit breaker. */
async function request<T>(ctx: Ctx, key: string, run: () => Promise<T>): Promise<T> {
  if (ctx.down) throw ctx.down;
  const hit = ctx.cache.get(key);
  if (hit !== undefined) return hit as T;
  try {
    const v = await withRetry(run, ctx.config, isRetryableEsError, ctx.wait, ctx.options.signal);
    ctx.cache.set(key, v);
    return v;
  } catch (err) {
    if ((err as { code?: string }).code === 'RL_ERR_SOURCE_UNAVAILABLE') ctx.down ??= err as Error;
    throw err;
  }
}

function pit(ctx: Ctx, q: PitQuery): Promise<PitPage> {
  // A point in time is opened per read, so a retry starts the read over from the first page.
  return request(ctx, `pit\u0000${JSON.stringify(q)}`, () => readWithPit(ctx.api, q));
}

async function fetchAudit(ctx: Ctx, cfg: NonNullable<ElasticsearchSourceConfig['audit']>): Promise<{ aggregate?: AuditAggregate; report: SourceReport }> {
  const { config, window } = ctx;
  const sourceId = `${config.name}:${cfg.index}`;
  const format = `elasticsearch/${cfg.preset}`;
  const fields = resolveFields(AUDIT_PRESET_FIELDS[cfg.preset], cfg.fields);
  const stepMs = config.stepMs ?? auditStepMs(window.fromMs, window.toMs);
  const o: AuditQueryOptions = { fromMs: window.fromMs, toMs: window.toMs, stepMs, fields, longRunningVerbs: cfg.longRunningVerbs, topUserAgents: cfg.topUserAgents };
  const body = buildAuditAggregationBody(o);
  let parsed: ReturnType<typeof parseAuditAggregation>;
  try {
    const res = await request(ctx, `agg\u0000${cfg.index}\u0000${JSON.stringify(body)}`, () => ctx.api.search(cfg.index, body));
    parsed = parseAuditAggregation(res, o, sourceId);
  } catch (err) {
    return { report: report(sourceId, format, { status: 'failed', message: `source ${config.name}: audit aggregation on ${cfg.index} failed: ${(err as Error).message}`, evidence: ['audit'] }) };
  }
  const agg = parsed.aggregate;
  const r = report(sourceId, format, { status: 'ok', records: parsed.total, lines: 1, message: `audit aggregated in Elasticsearch: ${parsed.total} events on a ${formatPromDuration(stepMs)} grid`, evidence: ['audit'] });
  try {
    // One page up to 10 000: without a latency field the query runs a script on every audit event
    // of the window, again for each page (5 pages of 1000 cost 30 s on 1 M events, bench/es-pushdown.ts).
    const query = buildNotableAuditQuery(window.fromMs, window.toMs, fields, cfg.longRunningVerbs);
    const page = await pit(ctx, { index: cfg.index, query, sortField: fields.timestamp ?? '@timestamp', cap: cfg.cap, pageSize: Math.min(cfg.cap, NOTABLE_PAGE) });
    const bad = collect(page.hits, (h) => mapAuditSample(h, fields, cfg.zone), agg.samples);
    applyBad(r, bad);
    agg.samples.sort((a, b) => a.atMs - b.atMs);
    agg.samplesDropped = page.total - page.hits.length;
    r.lines += 1;
    if (page.capped) r.limits = [`notable audit requests capped at ${cfg.cap} of ${page.total} (raise elasticsearch.audit.cap)`];
  } catch (err) {
    r.status = 'degraded';
    r.message = `source ${config.name}: notable audit requests on ${cfg.index} could not be read (the aggregation could): ${(err as Error).message}`;
  }
  setSpan(r, agg.total.some((n) => n > 0) ? agg.fromMs : undefined, agg.fromMs + agg.total.length * agg.stepMs);
  return { aggregate: agg, report: r };
}

async function fetchRecords(ctx: Ctx, cfg: EsIndexConfig<string>, kind: 'logs' | 'events', query: Record<string, unknown>, sortField: string, map: (h: Hit) => Mapped<LogRecord>): Promise<{ records: LogRecord[]; report: SourceReport }> {
  const { config } = ctx;
  const sourceId = `${config.name}:${cfg.index}`;
  const format = `elasticsearch/${cfg.preset}`;
  const records: LogRecord[] = [];
  let page: PitPage;
  try {
    page = await pit(ctx, { index: cfg.index, query, sortField, cap: cfg.cap });
  } catch (err) {
    return { records, report: report(sourceId, format, { status: 'failed', message: `source ${config.name}: reading ${kind} from ${cfg.index} failed: ${(err as Error).message}`, evidence: [kind] }) };
  }
  const mapped: LogRecord[] = [];
  const bad = collect(page.hits, map, mapped);
  const keep = ctx.options.keepLog;
  for (const rec of mapped) if (!keep || keep(rec)) records.push(rec);
  const r = report(sourceId, format, { status: 'ok', lines: page.hits.length, records: records.length, message: `${kind}: ${page.hits.length} of ${page.total} matching documents read with point in time + search_after`, evidence: [kind] });
  applyBad(r, bad);
  if (page.capped) r.limits = [`${kind} capped at ${cfg.cap} of ${page.total} matching documents (raise elasticsearch.${kind}.cap)`];
  setSpan(r, records[0]?.atMs, records[records.length - 1]?.atMs);
  return { records, report: r };
}

function collect<T>(hits: unknown[], map: (h: Hit) => Mapped<T>, into: T[]): { count: number; samples: BadLine[] } {
  const bad = { count: 0, samples: [] as BadLine[] };
  for (const raw of hits) {
    const h = hitSchema.safeParse(raw);
    const m: Mapped<T> = h.success ? map(h.data) : { ok: false, reason: h.error.issues[0]?.message ?? 'not a search hit' };
    if (m.ok) {
      into.push(m.value);
      continue;
    }
    bad.count++;
    if (bad.samples.length < MAX_BAD_SAMPLES) {
      const hh = raw as { _index?: string; _id?: string };
      bad.samples.push({ file: `${hh._index ?? '?'}/${hh._id ?? '?'}`, line: 0, reason: m.reason, excerpt: JSON.stringify(raw).slice(0, 200) });
    }
  }
  return bad;
}

function applyBad(r: SourceReport, bad: { count: number; samples: BadLine[] }): void {
  r.badLines += bad.count;
  r.badSamples.push(...bad.samples);
}

function setSpan(r: SourceReport, firstMs: number | undefined, lastMs: number | undefined): void {
  if (firstMs !== undefined) r.firstMs = firstMs;
  if (firstMs !== undefined && lastMs !== undefined) r.lastMs = lastMs;
}
