/**
 * Normalised signals: what every source (files, Prometheus, Elasticsearch) turns its raw data into,
 * and all the correlators ever see. Times are UTC epoch milliseconds as written by the source's
 * clock (after its zone is resolved); clock alignment later adds a per-source offset.
 */
import { z } from 'zod';
import { componentSchema, type Component } from './vocabulary.js';

/** The analysis window, [fromMs, toMs). */
export const windowSchema = z.object({ fromMs: z.number().int(), toMs: z.number().int() }).refine((w) => w.toMs > w.fromMs, {
  message: 'window.to must be after window.from',
});
export type AnalysisWindow = z.infer<typeof windowSchema>;

/** Where a piece of evidence came from: a file line, or a point of a series. */
export const evidenceRefSchema = z.object({
  /** Source id: the file path relative to the input folder, or `prometheus`, `elasticsearch:<index>`. */
  sourceId: z.string(),
  file: z.string().optional(),
  /** 1-based line number in `file`. */
  line: z.number().int().optional(),
  /** Series name with labels, or the PromQL / aggregation that produced it. */
  series: z.string().optional(),
  /** Time as written by the source (before clock correction). */
  atMs: z.number(),
  /** The raw line (truncated) or a rendered value such as `p99 = 812 ms`. */
  text: z.string(),
});
export type EvidenceRef = z.infer<typeof evidenceRefSchema>;

export const SEVERITIES = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One log line (or one Kubernetes Event object) of any format, normalised. */
export const logRecordSchema = z.object({
  atMs: z.number(),
  sourceId: z.string(),
  component: componentSchema,
  host: z.string().optional(),
  severity: z.enum(SEVERITIES),
  /** The message: zap `msg`, the klog text after `]`, the Event `message`. */
  message: z.string(),
  /**
   * Structured fields: zap fields, klog `key="value"` pairs, for Events `reason`, `type`,
   * `objectKind`, `objectName`, `namespace`, `count`, `lastMs`.
   */
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  file: z.string(),
  line: z.number().int(),
  /** The raw line, truncated to 1000 characters. */
  raw: z.string(),
});
export type LogRecord = z.infer<typeof logRecordSchema>;

/**
 * A numeric series on its own timestamps. `metric` is a normalised id from `METRICS`
 * (metrics.ts), whatever the source: the file source derives p99 from OpenMetrics buckets,
 * the Prometheus source asks `histogram_quantile` for the same id.
 */
export interface Series {
  sourceId: string;
  metric: string;
  component: Component;
  host?: string;
  /** Labels other than the host (peer, verb, code, name, ...). */
  labels: Record<string, string>;
  /** Human description of the raw series, used in evidence: `histogram_quantile(0.99, etcd_disk_wal_fsync_duration_seconds_bucket{instance="cp-1:2381"})`. */
  origin: string;
  /** Epoch ms, ascending. */
  t: number[];
  /** Values in the unit of `METRICS[metric].unit`; NaN for a missing point. */
  v: number[];
  file?: string;
}

/** A notable audit event kept verbatim (errors, throttling, slow requests), capped per kind. */
export interface AuditSample {
  atMs: number;
  latencyMs: number;
  verb: string;
  code: number;
  resource?: string;
  namespace?: string;
  userAgent?: string;
  username?: string;
  /** responseStatus.message or reason, when present. */
  message?: string;
  file?: string;
  line?: number;
  raw: string;
}

/**
 * Audit traffic aggregated on a fixed grid, the same shape whether the file source folded every
 * line or Elasticsearch answered one date_histogram. Bucket i covers
 * [fromMs + i*stepMs, fromMs + (i+1)*stepMs).
 */
export interface AuditAggregate {
  sourceId: string;
  host?: string;
  fromMs: number;
  stepMs: number;
  /** Requests per bucket. */
  total: number[];
  /** Per verb (`get`, `list`, `watch`, `create`, ...), requests per bucket. */
  byVerb: Record<string, number[]>;
  /** Per HTTP status code as a string, requests per bucket. */
  byCode: Record<string, number[]>;
  /** Latency quantiles per bucket (stageTimestamp - requestReceivedTimestamp), NaN when empty. Long-running verbs (watch) excluded. */
  latencyP50Ms: number[];
  latencyP99Ms: number[];
  /** The busiest user agents over the window with their request, error (5xx) and 429 counts. */
  topUserAgents: { userAgent: string; requests: number; errors: number; throttled: number; firstMs: number }[];
  /** Notable requests, capped; `samplesDropped` says how many were not kept. */
  samples: AuditSample[];
  samplesDropped: number;
  /** Annotations `apiserver.latency.k8s.io/*` seen on slow requests: name -> count. */
  latencyAnnotations: Record<string, number>;
}

/** A malformed or unusable input line, reported to the user. */
export interface BadLine {
  file: string;
  line: number;
  reason: string;
  excerpt: string;
}

/** Kinds of evidence a server-backed source carries: what its failure leaves out of an analysis. */
export const EVIDENCE_KINDS = ['metrics', 'audit', 'logs', 'events'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** What one source (a file, a server) contributed and what went wrong with it. */
export interface SourceReport {
  sourceId: string;
  /** Detected format, e.g. `etcd-zap-json`, `klog`, `journald`, `openmetrics`, `prometheus`, `elasticsearch`. */
  format: string;
  status: 'ok' | 'degraded' | 'failed' | 'unknown';
  message?: string;
  lines: number;
  records: number;
  badLines: number;
  /** The first few bad lines, with file and line number. */
  badSamples: BadLine[];
  bytes: number;
  firstMs?: number;
  lastMs?: number;
  /** The zone used for offset-less timestamps and how it was chosen. */
  zone?: string;
  zoneReason?: string;
  /** Limits that were hit (line too long, sample cap, ...), stated for the user. */
  limits?: string[];
  /** What this source should have given (set by server-backed sources), so a failure names what is missing. */
  evidence?: EvidenceKind[];
}

/** Everything the sources produced for one window: the input of the correlators. */
export interface SignalSet {
  window: AnalysisWindow;
  logs: LogRecord[];
  series: Series[];
  audit: AuditAggregate[];
  sources: SourceReport[];
}
