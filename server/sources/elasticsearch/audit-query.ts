/**
 * The audit aggregation pushed down to Elasticsearch: one request returns the whole grid (requests
 * by verb and code, latency percentiles, top user agents, latency annotations on slow requests),
 * however many millions of audit events the window holds.
 */
import type { AuditAggregate } from '../../../correlators/signals/index.js';
import type { AuditField, FieldMap } from './presets.js';

export interface AuditQueryOptions {
  fromMs: number;
  toMs: number;
  stepMs: number;
  fields: FieldMap<AuditField>;
  longRunningVerbs: readonly string[];
  topUserAgents: number;
}

/** Requests slower than this are notable (samples, latency annotations). */
export const SLOW_REQUEST_MS = 1000;

/** Stages that are one finished request; documents without a stage field are kept. */
const RESPONSE_STAGES = ['ResponseComplete', 'Panic'];

/**
 * Latency annotations the API server writes on slow requests (k8s >= 1.26).
 * @see https://github.com/kubernetes/kubernetes/pull/113114
 */
export const LATENCY_ANNOTATIONS = [
  'apiserver.latency.k8s.io/etcd',
  'apiserver.latency.k8s.io/total',
  'apiserver.latency.k8s.io/apf-queue-wait',
  'apiserver.latency.k8s.io/authentication',
  'apiserver.latency.k8s.io/authorization',
  'apiserver.latency.k8s.io/decode-response-object',
  'apiserver.latency.k8s.io/mutating-webhook',
  'apiserver.latency.k8s.io/validating-webhook',
  'apiserver.latency.k8s.io/response-write',
  'apiserver.latency.k8s.io/serialize-response-object',
  'apiserver.latency.k8s.io/transform-response-object',
];

/**
 * Painless: stage - received in ms, from the date doc values (0 when either is missing, or when a
 * clock made it negative: HDR histograms take no negative values).
 */
const LATENCY_SCRIPT = "if (doc[params.c].size() == 0 || doc[params.r].size() == 0) { return 0L; } return Math.max(0L, doc[params.c].value.toInstant().toEpochMilli() - doc[params.r].value.toInstant().toEpochMilli());";

/**
 * Latency percentiles from an HDR histogram with 2 significant digits: the value at the nearest
 * rank (rounded), within 1 %. The default t-digest interpolates between centroids: on the
 * benchmark's 1 M events its p99 was 5-10 % off in calm seconds and up to 29 s off in seconds where
 * ~1 % of requests were slow (bench/es-pushdown.ts), where the file source's nearest-rank p99
 * picks one side. HDR picks one side too.
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/7.10/search-aggregations-metrics-percentile-aggregation.html#_hdr_histogram
 */
export const PERCENTILES_HDR = { number_of_significant_value_digits: 2 } as const;
const SLOWER_SCRIPT = "if (doc[params.c].size() == 0 || doc[params.r].size() == 0) { return false; } return doc[params.c].value.toInstant().toEpochMilli() - doc[params.r].value.toInstant().toEpochMilli() > params.t;";

/** The latency of one document as an aggregation value source: a field when mapped, else a script. */
export function latencyValueSource(fields: FieldMap<AuditField>): Record<string, unknown> {
  if (fields.latencyMs) return { field: fields.latencyMs };
  return { script: { lang: 'painless', source: LATENCY_SCRIPT, params: { c: fields.completed ?? fields.timestamp, r: fields.received } } };
}

/** Query clause: latency above `ms`. */
export function slowerThan(fields: FieldMap<AuditField>, ms: number): Record<string, unknown> {
  if (fields.latencyMs) return { range: { [fields.latencyMs]: { gt: ms } } };
  return { script: { script: { lang: 'painless', source: SLOWER_SCRIPT, params: { c: fields.completed ?? fields.timestamp, r: fields.received, t: ms } } } };
}

/** The window, finished requests only. */
export function auditBaseFilter(o: Pick<AuditQueryOptions, 'fromMs' | 'toMs' | 'fields'>): Record<string, unknown>[] {
  const f = o.fields;
  const filter: Record<string, unknown>[] = [{ range: { [f.timestamp ?? '@timestamp']: { gte: o.fromMs, lt: o.toMs, format: 'epoch_millis' } } }];
  if (f.stage) {
    filter.push({ bool: { should: [{ terms: { [f.stage]: RESPONSE_STAGES } }, { bool: { must_not: { exists: { field: f.stage } } } }], minimum_should_match: 1 } });
  }
  return filter;
}

function latencyFilter(o: AuditQueryOptions): Record<string, unknown> {
  const f = o.fields;
  const must: Record<string, unknown>[] = [];
  if (!f.latencyMs) {
    if (f.received) must.push({ exists: { field: f.received } });
    must.push({ exists: { field: f.completed ?? f.timestamp ?? '@timestamp' } });
  } else {
    // an HDR histogram refuses negative values: a bad latency field must not sink the aggregation
    must.push({ range: { [f.latencyMs]: { gte: 0 } } });
  }
  const bool: Record<string, unknown> = { filter: must };
  if (f.verb && o.longRunningVerbs.length > 0) bool['must_not'] = [{ terms: { [f.verb]: [...o.longRunningVerbs] } }];
  return { bool };
}

/** Grid start: the window start, as the file source's audit grid (buckets shifted by an offset). */
export function auditGridFromMs(fromMs: number, stepMs: number): number {
  void stepMs;
  return fromMs;
}

/** The file source's audit step: 1 s up to 2 h windows, else whole seconds keeping 7200 buckets. */
export function auditStepMs(fromMs: number, toMs: number): number {
  const span = toMs - fromMs;
  if (span <= 2 * 3600_000) return 1000;
  return Math.ceil(span / 7200 / 1000) * 1000;
}

/** The one aggregation request: `size: 0`, a date_histogram on the step grid and top-level terms. */
export function buildAuditAggregationBody(o: AuditQueryOptions): Record<string, unknown> {
  const f = o.fields;
  const ts = f.timestamp ?? '@timestamp';
  const gridFrom = auditGridFromMs(o.fromMs, o.stepMs);
  const perBucket: Record<string, unknown> = {
    latency: { filter: latencyFilter(o), aggs: { q: { percentiles: { ...latencyValueSource(f), percents: [50, 99], hdr: PERCENTILES_HDR } } } },
  };
  if (f.verb) perBucket['verbs'] = { terms: { field: f.verb, size: 50 } };
  if (f.code) perBucket['codes'] = { terms: { field: f.code, size: 100 } };
  const aggs: Record<string, unknown> = {
    grid: {
      date_histogram: { field: ts, fixed_interval: `${o.stepMs}ms`, offset: `+${((gridFrom % o.stepMs) + o.stepMs) % o.stepMs}ms`, min_doc_count: 0, extended_bounds: { min: gridFrom, max: o.toMs - 1 } },
      aggs: perBucket,
    },
  };
  if (f.userAgent) {
    const sub: Record<string, unknown> = { first: { min: { field: ts } } };
    if (f.code) {
      sub['errors'] = { filter: { range: { [f.code]: { gte: 500 } } } };
      sub['throttled'] = { filter: { term: { [f.code]: 429 } } };
    }
    aggs['agents'] = { terms: { field: f.userAgent, size: o.topUserAgents }, aggs: sub };
  }
  if (f.annotations) {
    const filters: Record<string, unknown> = {};
    for (const name of LATENCY_ANNOTATIONS) filters[name] = { exists: { field: `${f.annotations}.${name}` } };
    // The API server writes these only on slow requests, so every carrier counts.
    aggs['annotations'] = { filters: { filters } };
  }
  return { size: 0, track_total_hits: true, query: { bool: { filter: auditBaseFilter(o) } }, aggs };
}

interface Bucket { key: number | string; doc_count: number }
type TermsAgg = { buckets?: (Bucket & Record<string, unknown>)[] };

/**
 * The aggregation response as an AuditAggregate on the grid. Shapes are read defensively: a
 * missing aggregation gives empty counts rather than an exception. Samples are filled by the caller.
 */
export function parseAuditAggregation(body: unknown, o: AuditQueryOptions, sourceId: string): { aggregate: AuditAggregate; total: number } {
  const gridFrom = auditGridFromMs(o.fromMs, o.stepMs);
  const n = Math.max(0, Math.ceil((o.toMs - gridFrom) / o.stepMs));
  const zeros = (): number[] => new Array<number>(n).fill(0);
  const agg: AuditAggregate = {
    sourceId,
    fromMs: gridFrom,
    stepMs: o.stepMs,
    total: zeros(),
    byVerb: {},
    byCode: {},
    latencyP50Ms: new Array<number>(n).fill(Number.NaN),
    latencyP99Ms: new Array<number>(n).fill(Number.NaN),
    topUserAgents: [],
    samples: [],
    samplesDropped: 0,
    latencyAnnotations: {},
  };
  const b = body as { hits?: { total?: { value?: number } | number }; aggregations?: Record<string, unknown> } | undefined;
  const aggs = b?.aggregations ?? {};
  const grid = (aggs['grid'] as TermsAgg | undefined)?.buckets ?? [];
  for (const bucket of grid) {
    const i = Math.round((Number(bucket.key) - gridFrom) / o.stepMs);
    if (i < 0 || i >= n) continue;
    agg.total[i] = bucket.doc_count;
    for (const v of (bucket['verbs'] as TermsAgg | undefined)?.buckets ?? []) (agg.byVerb[String(v.key)] ??= zeros())[i] = v.doc_count;
    for (const c of (bucket['codes'] as TermsAgg | undefined)?.buckets ?? []) (agg.byCode[String(c.key)] ??= zeros())[i] = c.doc_count;
    const lat = bucket['latency'] as { doc_count?: number; q?: { values?: Record<string, number | null> } } | undefined;
    if (lat && (lat.doc_count ?? 0) > 0) {
      const p50 = lat.q?.values?.['50.0'];
      const p99 = lat.q?.values?.['99.0'];
      if (typeof p50 === 'number') agg.latencyP50Ms[i] = p50;
      if (typeof p99 === 'number') agg.latencyP99Ms[i] = p99;
    }
  }
  for (const a of (aggs['agents'] as TermsAgg | undefined)?.buckets ?? []) {
    const first = (a['first'] as { value?: number | null } | undefined)?.value;
    agg.topUserAgents.push({
      userAgent: String(a.key),
      requests: a.doc_count,
      errors: (a['errors'] as { doc_count?: number } | undefined)?.doc_count ?? 0,
      throttled: (a['throttled'] as { doc_count?: number } | undefined)?.doc_count ?? 0,
      firstMs: typeof first === 'number' ? first : Number.NaN,
    });
  }
  const ann = (aggs['annotations'] as { buckets?: Record<string, { doc_count?: number }> } | undefined)?.buckets ?? {};
  // named without the `apiserver.latency.k8s.io/` prefix, as the file source names them
  for (const [name, v] of Object.entries(ann)) if ((v.doc_count ?? 0) > 0) agg.latencyAnnotations[name.replace(/^apiserver\.latency\.k8s\.io\//, '')] = v.doc_count ?? 0;
  const t = b?.hits?.total;
  return { aggregate: agg, total: typeof t === 'number' ? t : t?.value ?? 0 };
}
