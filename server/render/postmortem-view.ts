/**
 * The view model of a postmortem: every value the templates show, already formatted. Every field
 * is always present (null or empty when there is nothing), so templates compiled with
 * `strict: true` fail on a typo, never on an absent optional field.
 */
import type { ChainLink, EvidenceItem, Hypothesis, Report, TimelineEntry } from '../../correlators/report/index.js';
import type { EvidenceRef } from '../../correlators/signals/index.js';
import {
  confidenceLevel,
  formatConfidence,
  formatCount,
  formatDuration,
  formatMetricValue,
  formatOffset,
  formatPercent,
  formatUtc,
  formatUtcPrecise,
  formatUtcTime,
  humanizeId,
  isoToMs,
} from './format.js';

export interface EvidenceView {
  claim: string;
  at: string;
  /** `logs/etcd-cp-2.log:31`, a series, or the source id; empty when the claim has no reference. */
  source: string;
  text: string;
}

export interface ChainLinkView {
  step: number;
  symptom: string;
  symptomId: string;
  at: string;
  time: string;
  where: string;
  lag: string;
  because: string;
  evidence: EvidenceView[];
}

export interface HypothesisView {
  rank: number;
  cause: string;
  causeId: string;
  title: string;
  confidence: string;
  confidencePercent: string;
  confidenceLevel: string;
  culprit: string;
  onset: string;
  explanation: string;
  chain: ChainLinkView[];
  evidenceFor: EvidenceView[];
  evidenceAgainst: EvidenceView[];
  missing: string[];
  nextChecks: { kind: string; query: string; why: string }[];
  actionItems: string[];
}

export interface TimelineRowView {
  id: string;
  time: string;
  at: string;
  lane: string;
  title: string;
  severity: string;
  symptom: string;
  count: string;
  inChain: boolean;
  duration: string;
  source: string;
}

export interface PostmortemView {
  title: string;
  summary: string;
  verdict: string;
  verdictLabel: string;
  window: { from: string; to: string; duration: string };
  onset: string;
  rootCause: HypothesisView | null;
  alternatives: HypothesisView[];
  impact: {
    apiErrorDuration: string;
    apiErrors: string;
    apiThrottled: string;
    apiP99Peak: string;
    leaderElections: string;
    notReadyNodes: string[];
    evictedPods: string[];
    pendingPods: string;
    affectedPods: string[];
    affectedPodsMore: number;
    firstErrorAt: string;
    lastErrorAt: string;
  };
  detection: { at: string; what: string } | null;
  timeline: TimelineRowView[];
  /** Entries left out of the postmortem's timeline (info-level, not in the chain); the JSON has them all. */
  timelineOmitted: number;
  contributingFactors: EvidenceView[];
  actionItems: string[];
  nextChecks: { kind: string; query: string; why: string }[];
  dataQuality: { sourceId: string; status: string; message: string }[];
  degradedSources: { sourceId: string; format: string; status: string; message: string; badLines: string }[];
  badLines: { location: string; reason: string; excerpt: string }[];
  clock: { sourceId: string; offset: string; anchors: string; method: string; assumed: boolean }[];
  series: { label: string; where: string; peak: string; threshold: string }[];
  stats: { files: string; lines: string; badLines: string; records: string; series: string; ingest: string; analyse: string };
}

const VERDICT_LABELS: Record<Report['verdict'], string> = {
  incident: 'Incident: root cause identified',
  inconclusive: 'Inconclusive: something is wrong, the evidence does not single out a cause',
  none: 'No incident: nothing to report in this window',
};

/** At most this many timeline rows in a postmortem; the war room and the JSON keep all. */
export const POSTMORTEM_TIMELINE_CAP = 200;
const AFFECTED_PODS_CAP = 25;

/** Builds the postmortem view model from a Report. Pure. */
export function buildPostmortemView(report: Report): PostmortemView {
  const [leading, ...others] = report.hypotheses;
  const notable = report.timeline.filter((e) => e.inChain || e.severity !== 'info' || e.kind === 'episode');
  const timeline = notable.slice(0, POSTMORTEM_TIMELINE_CAP);
  const impact = report.impact;
  const fromMs = isoToMs(report.window.from);
  const toMs = isoToMs(report.window.to);
  return {
    title: report.title,
    summary: report.summary,
    verdict: report.verdict,
    verdictLabel: VERDICT_LABELS[report.verdict],
    window: { from: formatUtc(report.window.from), to: formatUtc(report.window.to), duration: formatDuration(toMs - fromMs) },
    onset: formatUtc(report.onset),
    rootCause: leading && report.verdict !== 'none' ? buildHypothesisView(leading, 1) : null,
    alternatives: (leading && report.verdict === 'none' ? report.hypotheses : others).map((h, i) => buildHypothesisView(h, i + 2)),
    impact: {
      apiErrorDuration: formatDuration(impact.apiErrorSeconds * 1000),
      apiErrors: formatCount(impact.apiErrors),
      apiThrottled: formatCount(impact.apiThrottled),
      apiP99Peak: formatDuration(impact.apiP99PeakMs),
      leaderElections: formatCount(impact.leaderElections),
      notReadyNodes: impact.notReadyNodes,
      evictedPods: impact.evictedPods,
      pendingPods: formatCount(impact.pendingPods),
      affectedPods: impact.affectedPods.slice(0, AFFECTED_PODS_CAP),
      affectedPodsMore: Math.max(0, impact.affectedPods.length - AFFECTED_PODS_CAP),
      firstErrorAt: formatUtc(impact.firstErrorAt),
      lastErrorAt: formatUtc(impact.lastErrorAt),
    },
    detection: report.detection ? { at: formatUtc(report.detection.at), what: report.detection.what } : null,
    timeline: timeline.map(buildTimelineRowView),
    timelineOmitted: report.timeline.length - timeline.length,
    contributingFactors: report.contributingFactors.map(buildEvidenceView),
    actionItems: leading?.actionItems ?? [],
    nextChecks: leading?.nextChecks ?? [],
    dataQuality: report.dataQuality.filter((d) => d.status !== 'ok'),
    degradedSources: report.sources
      .filter((s) => s.status !== 'ok')
      .map((s) => ({ sourceId: s.sourceId, format: s.format, status: s.status, message: s.message ?? '', badLines: formatCount(s.badLines) })),
    badLines: report.sources.flatMap((s) => s.badSamples.map((b) => ({ location: `${b.file}:${b.line}`, reason: b.reason, excerpt: b.excerpt }))),
    clock: report.clock.map((c) => ({
      sourceId: c.sourceId,
      offset: formatOffset(c.offsetMs),
      anchors: formatCount(c.anchors),
      method: c.method,
      assumed: c.anchors === 0,
    })),
    series: report.series.map((s) => {
      const values = s.v.filter((v): v is number => v !== null && Number.isFinite(v));
      const peak = values.length > 0 ? Math.max(...values) : null;
      return {
        label: s.label,
        where: [s.component, s.host].filter(Boolean).join('/'),
        peak: formatMetricValue(peak, s.unit),
        threshold: s.threshold === undefined ? '—' : formatMetricValue(s.threshold, s.unit),
      };
    }),
    stats: {
      files: formatCount(report.stats.files),
      lines: formatCount(report.stats.lines),
      badLines: formatCount(report.stats.badLines),
      records: formatCount(report.stats.records),
      series: formatCount(report.stats.series),
      ingest: formatDuration(report.stats.ingestMs),
      analyse: formatDuration(report.stats.analyseMs),
    },
  };
}

export function buildHypothesisView(h: Hypothesis, rank: number): HypothesisView {
  return {
    rank,
    cause: humanizeId(h.cause),
    causeId: h.cause,
    title: h.title,
    confidence: formatConfidence(h.confidence),
    confidencePercent: formatPercent(h.confidence),
    confidenceLevel: confidenceLevel(h.confidence),
    culprit: h.culprit ? [h.culprit.component, h.culprit.host].filter(Boolean).join(' on ') : '—',
    onset: formatUtc(h.onset),
    explanation: h.explanation,
    chain: h.chain.map(buildChainLinkView),
    evidenceFor: h.evidenceFor.map(buildEvidenceView),
    evidenceAgainst: h.evidenceAgainst.map(buildEvidenceView),
    missing: h.missing,
    nextChecks: h.nextChecks,
    actionItems: h.actionItems,
  };
}

export function buildChainLinkView(link: ChainLink, index: number): ChainLinkView {
  return {
    step: index + 1,
    symptom: humanizeId(link.symptom),
    symptomId: link.symptom,
    at: formatUtc(link.at),
    time: formatUtcTime(link.at),
    where: [link.component, link.host].filter(Boolean).join(' on ') || '—',
    lag: link.lagMs === undefined ? '' : formatDuration(link.lagMs),
    because: link.because ?? '',
    evidence: link.evidence.map(buildEvidenceView),
  };
}

export function buildEvidenceView(item: EvidenceItem): EvidenceView {
  return {
    claim: item.claim,
    at: item.at ? formatUtc(item.at) : item.ref ? formatUtcPrecise(item.ref.atMs) : '',
    source: item.ref ? describeRef(item.ref) : '',
    text: item.ref?.text ?? '',
  };
}

export function buildTimelineRowView(e: TimelineEntry): TimelineRowView {
  return {
    id: e.id,
    time: formatUtcTime(e.atMs),
    at: formatUtc(e.atMs),
    lane: e.lane,
    title: e.title,
    severity: e.severity,
    symptom: e.symptom ? humanizeId(e.symptom) : '',
    count: e.count > 1 ? `×${formatCount(e.count)}` : '',
    inChain: e.inChain,
    duration: e.endMs !== undefined ? formatDuration(e.endMs - e.atMs) : '',
    source: describeRef(e.evidence),
  };
}

/** Where a piece of evidence lives: `file:line`, else the series, else the source id. */
export function describeRef(ref: EvidenceRef): string {
  if (ref.file) return ref.line !== undefined ? `${ref.file}:${ref.line}` : ref.file;
  if (ref.series) return ref.series;
  return ref.sourceId;
}

/** The same tree with every string passed through `escape` (for Markdown, whose `{{ }}` does not escape). */
export function mapStrings<T>(value: T, escape: (s: string) => string): T {
  if (typeof value === 'string') return escape(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, escape)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, escape);
    return out as T;
  }
  return value;
}
