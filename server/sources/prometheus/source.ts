/**
 * The Prometheus source: runs the PromQL catalogue over the window on one step grid, splits long
 * windows into ranges, caches results, retries with backoff, and turns failures into a
 * SourceReport (`degraded` / `failed`) instead of a rejection.
 */
import type { AnalysisWindow, BadLine, Series, SignalSet, SourceReport } from '../../../correlators/signals/index.js';
import type { PrometheusSourceConfig } from '../config.js';
import type { FetchOptions, SignalSource } from '../types.js';
import { createPromRangeApi, isRetryablePromError, type PromRangeApi } from './client.js';
import { buildQueryCatalogue, groupLabels, type PromQuery } from './promql.js';
import { sleep as realSleep, withRetry, type Sleep } from './retry.js';
import { chooseRateFunction, chooseStepMs, formatPromDuration, rateRangeMs, sampleLagMs, splitRange, type QueryRange } from './step.js';
import { parseSampleTimes, sampleTimeKey, type SampleTimes } from './sample-times.js';
import { buildSeries, labelSetText, rawMatrixSeriesSchema, type RawMatrixSeries, type SeriesLabelOptions } from './to-series.js';

export interface PrometheusSourceDeps {
  /** The server; by default prometheus-query with the config's auth, TLS and timeout. */
  api?: PromRangeApi;
  /** Query results by query and range; share one map to reuse results across fetches of an analysis. */
  cache?: Map<string, unknown>;
  sleep?: Sleep;
  /** Ranges ending after `nowMs() - 2 scrape intervals` are not cached: their data may still grow. */
  nowMs?: () => number;
}

const MAX_BAD_SAMPLES = 5;
const CACHE_MAX_ENTRIES = 2000;

interface QueryOutcome {
  query: PromQuery;
  series: Series[];
  error?: Error;
  requests: number;
}

/** A SignalSource over Prometheus' HTTP API (also Thanos, Mimir, VictoriaMetrics). */
export function createPrometheusSource(config: PrometheusSourceConfig, deps: PrometheusSourceDeps = {}): SignalSource {
  const cache = deps.cache ?? new Map<string, unknown>();
  let api = deps.api;
  return {
    name: config.name,
    evidence: ['metrics'],
    async fetch(window, options = {}) {
      try {
        api ??= createPromRangeApi(config);
      } catch (err) {
        // An unreadable CA file or key: the source cannot start, the analysis goes on without it.
        return emptySet(window, failedReport(config.name, `source ${config.name}: cannot set up the client: ${(err as Error).message}`));
      }
      return fetchPrometheusSignals(config, api, cache, window, options, deps);
    },
  };
}

function emptySet(window: AnalysisWindow, report: SourceReport): SignalSet {
  return { window, logs: [], series: [], audit: [], sources: [report] };
}

function failedReport(sourceId: string, message: string): SourceReport {
  return { sourceId, format: 'prometheus', status: 'failed', message, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0, evidence: ['metrics'] };
}

async function fetchPrometheusSignals(config: PrometheusSourceConfig, api: PromRangeApi, cache: Map<string, unknown>, window: AnalysisWindow, options: FetchOptions, deps: PrometheusSourceDeps): Promise<SignalSet> {
  const stepMs = config.stepMs ?? chooseStepMs(window, config.scrapeIntervalMs);
  const rangeMs = rateRangeMs(stepMs, config.scrapeIntervalMs);
  const rateFunction = chooseRateFunction(stepMs, config.scrapeIntervalMs);
  const labels = config.labels;
  const queries = buildQueryCatalogue({ rangeMs, rateFunction, hostLabels: labels.host, jobLabel: labels.job, rename: labels.rename }, config.disable, config.queries);
  const ranges = splitRange(window, stepMs, config.maxRangePerQueryMs);
  const labelOptions: SeriesLabelOptions = { sourceId: config.name, sampleLagMs: sampleLagMs(config.scrapeIntervalMs), hostLabels: labels.host, jobLabel: labels.job, rename: labels.rename };
  const wait = deps.sleep ?? realSleep;
  const freshAfterMs = (deps.nowMs ?? Date.now)() - 2 * config.scrapeIntervalMs;
  const bad: BadLine[] = [];
  let badCount = 0;
  // Once the server is unreachable or refuses us, the remaining queries are not sent.
  let down: Error | undefined;

  const runRange = async (promql: string, r: QueryRange): Promise<unknown> => {
    const key = `${promql}\u0000${r.startMs}\u0000${r.endMs}\u0000${r.stepMs}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const result = await withRetry(() => api.queryRange(promql, r), config, isRetryablePromError, wait, options.signal);
    if (r.endMs < freshAfterMs) {
      if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(key, result);
    }
    return result;
  };

  // Several metrics share a family's scrape times: each sample-time query runs once per fetch.
  const sampleTimeRuns = new Map<string, Promise<unknown>>();
  let sampleTimeFailures = 0;
  const readSampleTimes = (promql: string, r: QueryRange): Promise<unknown> => {
    const key = `${promql}\u0000${r.startMs}`;
    let run = sampleTimeRuns.get(key);
    if (!run) {
      run = runRange(promql, r).catch(() => {
        // without them the points keep the expected-age stamp: less precise, not wrong
        sampleTimeFailures++;
        return undefined;
      });
      sampleTimeRuns.set(key, run);
    }
    return run;
  };

  const runQuery = async (q: PromQuery): Promise<QueryOutcome> => {
    const out: QueryOutcome = { query: q, series: [], requests: 0 };
    const merged = new Map<string, RawMatrixSeries>();
    const times: SampleTimes = new Map();
    const keyLabels = groupLabels(q.by, { hostLabels: labels.host, jobLabel: labels.job, rename: labels.rename });
    for (const r of ranges) {
      if (down) { out.error = down; break; }
      let result: unknown;
      try {
        out.requests++;
        result = await runRange(q.promql, r);
        // asked only once the metric answered: a dead or refusing server costs no extra requests
        if (q.samplePromql) parseSampleTimes(await readSampleTimes(q.samplePromql, r), keyLabels, times);
      } catch (err) {
        out.error = err as Error;
        if ((err as { code?: string }).code === 'RL_ERR_SOURCE_UNAVAILABLE') down ??= err as Error;
        break;
      }
      if (!Array.isArray(result)) {
        badCount++;
        if (bad.length < MAX_BAD_SAMPLES) bad.push({ file: q.id, line: 0, reason: 'query_range result is not a matrix', excerpt: JSON.stringify(result).slice(0, 200) });
        continue;
      }
      for (const item of result) {
        const p = rawMatrixSeriesSchema.safeParse(item);
        if (!p.success) {
          badCount++;
          if (bad.length < MAX_BAD_SAMPLES) bad.push({ file: q.id, line: 0, reason: p.error.issues[0]?.message ?? 'invalid series', excerpt: JSON.stringify(item).slice(0, 200) });
          continue;
        }
        const key = labelSetText(p.data.metric);
        const prev = merged.get(key);
        if (prev) prev.values.push(...p.data.values);
        else merged.set(key, { metric: p.data.metric, values: [...p.data.values] });
      }
    }
    for (const raw of merged.values()) out.series.push(buildSeries(q, raw, labelOptions, times.get(sampleTimeKey(raw.metric, keyLabels))));
    return out;
  };

  const outcomes: QueryOutcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queries.length) {
      const q = queries[next++]!;
      if (options.signal?.aborted) { outcomes.push({ query: q, series: [], error: new Error('aborted'), requests: 0 }); continue; }
      outcomes.push(await runQuery(q));
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, queries.length) }, worker));
  outcomes.sort((a, b) => queries.indexOf(a.query) - queries.indexOf(b.query));

  const series = outcomes.flatMap((o) => o.series);
  return { window, logs: [], series, audit: [], sources: [buildReport(config, outcomes, series, bad, badCount, { stepMs, rangeMs, rateFunction, ranges: ranges.length, sampleTimeFailures })] };
}

function buildReport(config: PrometheusSourceConfig, outcomes: QueryOutcome[], series: Series[], bad: BadLine[], badCount: number, grid: { stepMs: number; rangeMs: number; rateFunction: string; ranges: number; sampleTimeFailures: number }): SourceReport {
  const failed = outcomes.filter((o) => o.error);
  const okCount = outcomes.length - failed.length;
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  let points = 0;
  for (const s of series) {
    points += s.t.length;
    if (s.t.length === 0) continue;
    firstMs = Math.min(firstMs ?? Infinity, s.t[0]!);
    lastMs = Math.max(lastMs ?? -Infinity, s.t[s.t.length - 1]!);
  }
  const gridText = `step ${formatPromDuration(grid.stepMs)}, ${grid.rateFunction} range [${formatPromDuration(grid.rangeMs)}]`;
  let status: SourceReport['status'] = 'ok';
  let message = `${outcomes.length} queries, ${series.length} series, ${gridText}`;
  if (failed.length > 0) {
    status = okCount === 0 ? 'failed' : 'degraded';
    const first = failed[0]!;
    const distinct = [...new Set(failed.map((o) => o.error!.message))];
    message = `source ${config.name}: ${failed.length} of ${outcomes.length} queries failed (${okCount} answered, ${gridText}); first failing query ${first.query.id}: ${first.error!.message}`;
    if (distinct.length > 1) message += `; also: ${distinct.slice(1, 3).join('; ')}`;
  }
  const report: SourceReport = {
    sourceId: config.name,
    format: 'prometheus',
    status,
    message,
    lines: outcomes.reduce((n, o) => n + o.requests, 0),
    records: points,
    badLines: badCount,
    badSamples: bad,
    bytes: 0,
    evidence: ['metrics'],
  };
  if (firstMs !== undefined) report.firstMs = firstMs;
  if (lastMs !== undefined) report.lastMs = lastMs;
  const limits: string[] = [];
  if (grid.ranges > 1) limits.push(`window split into ${grid.ranges} ranges of at most ${formatPromDuration(config.maxRangePerQueryMs)} or 1000 points per query`);
  if (grid.sampleTimeFailures > 0) limits.push(`${grid.sampleTimeFailures} sample-time queries failed: those points are placed ${sampleLagMs(config.scrapeIntervalMs) / 1000} s before their evaluation, the expected age of their samples`);
  if (limits.length > 0) report.limits = limits;
  return report;
}
