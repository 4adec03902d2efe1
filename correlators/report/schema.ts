/**
 * The Report: what an analysis produces and every renderer (JSON, Markdown, HTML, the war room)
 * reads. Its first fields are exactly the analysis contract of ../shared/bench/CONTRACT.md
 * (verdict, hypotheses, onset, chain); the rest explains them.
 */
import { z } from 'zod';
import { componentSchema, rootCauseSchema, symptomSchema, verdictSchema } from '../signals/vocabulary.js';
import { EVIDENCE_KINDS, evidenceRefSchema } from '../signals/types.js';

const isoSchema = z.string().describe('ISO-8601 UTC timestamp');

export const culpritSchema = z.object({ component: z.string(), host: z.string().optional() });
export type Culprit = z.infer<typeof culpritSchema>;

/** A claim with the raw evidence behind it. */
export const evidenceItemSchema = z.object({
  claim: z.string(),
  at: isoSchema.optional(),
  ref: evidenceRefSchema.optional(),
});
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

export const chainLinkSchema = z.object({
  symptom: symptomSchema,
  at: isoSchema,
  component: componentSchema.optional(),
  host: z.string().optional(),
  /** Lag after the previous link, ms. */
  lagMs: z.number().optional(),
  /** Why this link follows the previous one, from the mechanism. */
  because: z.string().optional(),
  evidence: z.array(evidenceItemSchema),
});
export type ChainLink = z.infer<typeof chainLinkSchema>;

export const nextCheckSchema = z.object({ kind: z.enum(['promql', 'log-search', 'command']), query: z.string(), why: z.string() });
export type NextCheck = z.infer<typeof nextCheckSchema>;

export const hypothesisSchema = z.object({
  cause: rootCauseSchema,
  confidence: z.number().min(0).max(1),
  culprit: culpritSchema.optional(),
  onset: isoSchema.optional(),
  title: z.string(),
  explanation: z.string(),
  chain: z.array(chainLinkSchema),
  evidenceFor: z.array(evidenceItemSchema),
  evidenceAgainst: z.array(evidenceItemSchema),
  /** Evidence that would settle it but that no source provided. */
  missing: z.array(z.string()),
  nextChecks: z.array(nextCheckSchema),
  actionItems: z.array(z.string()),
  /** The ranking's components, 0-1 each, for transparency. */
  scores: z.record(z.string(), z.number()),
});
export type Hypothesis = z.infer<typeof hypothesisSchema>;

export const timelineEntrySchema = z.object({
  id: z.string(),
  at: isoSchema,
  atMs: z.number(),
  /** For episodes: when it ended. */
  endMs: z.number().optional(),
  component: componentSchema,
  host: z.string().optional(),
  /** Swimlane key: `component` or `component/host`. */
  lane: z.string(),
  kind: z.enum(['event', 'episode', 'note']),
  symptom: symptomSchema.optional(),
  severity: z.enum(['info', 'warn', 'error']),
  title: z.string(),
  /** How many raw events this entry stands for (bursts are folded). */
  count: z.number().int(),
  inChain: z.boolean(),
  evidence: evidenceRefSchema,
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const sparkSeriesSchema = z.object({
  id: z.string(),
  metric: z.string(),
  label: z.string(),
  host: z.string().optional(),
  component: componentSchema,
  unit: z.string(),
  threshold: z.number().optional(),
  t: z.array(z.number()),
  v: z.array(z.number().nullable()),
  origin: z.string(),
});
export type SparkSeries = z.infer<typeof sparkSeriesSchema>;

export const clockOffsetSchema = z.object({
  sourceId: z.string(),
  offsetMs: z.number(),
  /** Anchor pairs the estimate rests on; 0 when none (offset assumed 0). */
  anchors: z.number().int(),
  method: z.string(),
});
export type ClockOffset = z.infer<typeof clockOffsetSchema>;

export const sourceStatusSchema = z.object({
  sourceId: z.string(),
  format: z.string(),
  status: z.enum(['ok', 'degraded', 'failed', 'unknown']),
  message: z.string().optional(),
  lines: z.number().int(),
  records: z.number().int(),
  badLines: z.number().int(),
  badSamples: z.array(z.object({ file: z.string(), line: z.number().int(), reason: z.string(), excerpt: z.string() })),
  bytes: z.number(),
  firstMs: z.number().optional(),
  lastMs: z.number().optional(),
  zone: z.string().optional(),
  zoneReason: z.string().optional(),
  limits: z.array(z.string()).optional(),
  evidence: z.array(z.enum(EVIDENCE_KINDS)).optional(),
});

export const impactSchema = z.object({
  apiErrorSeconds: z.number(),
  apiErrors: z.number().int(),
  apiThrottled: z.number().int(),
  apiP99PeakMs: z.number().nullable(),
  leaderElections: z.number().int(),
  notReadyNodes: z.array(z.string()),
  evictedPods: z.array(z.string()),
  pendingPods: z.number().int(),
  affectedPods: z.array(z.string()),
  firstErrorAt: isoSchema.optional(),
  lastErrorAt: isoSchema.optional(),
});
export type Impact = z.infer<typeof impactSchema>;

export const reportSchema = z.object({
  verdict: verdictSchema,
  hypotheses: z.array(hypothesisSchema),
  onset: isoSchema.nullable(),
  chain: z.array(chainLinkSchema),
  window: z.object({ from: isoSchema, to: isoSchema }),
  title: z.string(),
  summary: z.string(),
  /** When the first symptom crossed a detection threshold, and which. */
  detection: z.object({ at: isoSchema, what: z.string() }).nullable(),
  impact: impactSchema,
  timeline: z.array(timelineEntrySchema),
  series: z.array(sparkSeriesSchema),
  clock: z.array(clockOffsetSchema),
  sources: z.array(sourceStatusSchema),
  /** Problems the user should know about: unreadable sources, bad lines, missing evidence. */
  dataQuality: z.array(z.object({ sourceId: z.string(), status: z.enum(['ok', 'degraded', 'failed', 'unknown']), message: z.string() })),
  contributingFactors: z.array(evidenceItemSchema),
  stats: z.object({ files: z.number().int(), lines: z.number().int(), badLines: z.number().int(), records: z.number().int(), series: z.number().int(), ingestMs: z.number(), analyseMs: z.number() }),
});
export type Report = z.infer<typeof reportSchema>;
