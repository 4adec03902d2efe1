/**
 * rootline's own Prometheus metrics, on a registry of its own (never prom-client's global one, so
 * two apps in one process, as in tests, do not share counters). Served at `/metrics`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Report } from '../../correlators/report/index.js';
import type { AnalysisOutcome } from '../security/analysis-limiter.js';
import { CIRCUIT_STATES, type CircuitBreakers } from './circuit-breaker.js';

export interface Metrics {
  readonly registry: Registry;
  /** An analysis ended: its run time (seconds) by outcome, and each source that failed or degraded in it. */
  observeAnalysis(outcome: AnalysisOutcome, runMs: number, report: Report | undefined): void;
  rejected(reason: 'busy' | 'draining' | 'streams'): void;
  sseClients(open: number): void;
  setQueue(running: number, queued: number): void;
  /** A source fetch failed or its circuit opened. */
  sourceError(source: string, kind: 'failed' | 'degraded' | 'circuit_open'): void;
  /** Reports the state of these breakers at each scrape (`rootline_source_circuit_state`). */
  watchBreakers(breakers: CircuitBreakers): void;
}

/** Seconds; analyses of a bundle take from well under a second to minutes. */
const DURATION_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** A source label of bounded cardinality: `files` for every file of a bundle, else the configured name. */
export function sourceLabel(s: { sourceId: string; format: string }): string {
  if (s.format.startsWith('prometheus')) return s.sourceId;
  if (s.format.startsWith('elasticsearch')) return s.sourceId.split(':')[0] ?? s.sourceId;
  if (s.format === 'circuit-breaker') return s.sourceId;
  return 'files';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'rootline_' });
  const duration = new Histogram({ name: 'rootline_analysis_duration_seconds', help: 'Run time of analyses (queue time excluded), by outcome', labelNames: ['outcome'], buckets: DURATION_BUCKETS_S, registers: [registry] });
  const sourceErrors = new Counter({ name: 'rootline_source_errors_total', help: 'Source fetches that failed or degraded, and fetches skipped by an open circuit breaker', labelNames: ['source', 'kind'], registers: [registry] });
  const sse = new Gauge({ name: 'rootline_sse_clients', help: 'Open event streams (SSE)', registers: [registry] });
  const running = new Gauge({ name: 'rootline_analyses_running', help: 'Analyses running now', registers: [registry] });
  const queued = new Gauge({ name: 'rootline_analyses_queued', help: 'Analyses waiting for a slot', registers: [registry] });
  const watched: CircuitBreakers[] = [];
  new Gauge({
    name: 'rootline_source_circuit_state',
    help: 'Circuit breaker of each server-backed source (configured pair/source name): 1 for its current state (closed, half-open, open), 0 for the others',
    labelNames: ['source', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of watched) {
        for (const c of b.snapshot()) for (const state of CIRCUIT_STATES) this.set({ source: c.key, state }, c.state === state ? 1 : 0);
      }
    },
  });
  const rejected = new Counter({ name: 'rootline_requests_rejected_total', help: 'Requests refused by a limit: busy (429), draining or streams (503)', labelNames: ['reason'], registers: [registry] });
  return {
    registry,
    observeAnalysis(outcome, runMs, report) {
      duration.observe({ outcome }, runMs / 1000);
      for (const s of report?.sources ?? []) {
        // a source skipped by its open circuit is counted as such, not as one more failure
        if (s.format === 'circuit-breaker') sourceErrors.inc({ source: sourceLabel(s), kind: 'circuit_open' });
        else if (s.status === 'failed' || s.status === 'degraded') sourceErrors.inc({ source: sourceLabel(s), kind: s.status });
      }
    },
    rejected(reason) {
      rejected.inc({ reason });
    },
    sseClients(open) {
      sse.set(open);
    },
    setQueue(r, q) {
      running.set(r);
      queued.set(q);
    },
    sourceError(source, kind) {
      sourceErrors.inc({ source, kind });
    },
    watchBreakers(breakers) {
      if (!watched.includes(breakers)) watched.push(breakers);
    },
  };
}
