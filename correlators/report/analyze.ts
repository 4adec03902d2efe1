/**
 * The whole analysis, pure: signals -> context (facts, clock offsets, observations) -> mechanisms
 * -> ranking -> Report. No I/O, no clock: `nowMs` and timings come in through options.
 */
import type { SignalSet } from '../signals/index.js';
import { MECHANISMS, type Assessment, type Mechanism } from '../causal/index.js';
import { rankCandidates, NONE_THRESHOLD, INCONCLUSIVE_THRESHOLD, type Candidate } from '../ranking/index.js';
import type { Observation } from '../anomaly/index.js';
import type { Hypothesis, Report } from './schema.js';
import { buildContext, type AnalysisContext } from './context.js';
import type { AnalysisCache } from './analysis-cache.js';
import { buildChain, evidenceItems, iso } from './build-chain.js';
import { buildImpact, buildSeries, buildTimeline } from './build-views.js';
import { assessLostEvidence } from './lost-evidence.js';

export interface AnalyzeOptions {
  /** Wall time of the analysis, passed in: correlators never read the clock. */
  nowMs: number;
  ingestMs?: number;
  /** Elapsed-time function for the analyse timing (performance.now), optional. */
  elapsedMs?: () => number;
  /** What earlier analyses of overlapping signals worked out (a live session keeps one). */
  cache?: AnalysisCache;
}

function toHypothesis(c: Candidate, ctx: AnalysisContext): { h: Hypothesis; chainObs: Observation[] } {
  const { mechanism: m, assessment: a } = c;
  const chain = buildChain(m, a, ctx.observations);
  const evidenceFor = a.for.flatMap((f) => (f.obs ? evidenceItems(f.obs, f.claim).slice(0, 2) : [{ claim: f.claim }]));
  const evidenceAgainst = [
    ...a.against.flatMap((f) => (f.obs ? evidenceItems(f.obs, f.claim).slice(0, 1) : [{ claim: f.claim }])),
    ...(c.explainedBy ? [{ claim: `explained away: ${c.explainedBy}` }] : []),
  ];
  const culpritText = a.culprit ? `${a.culprit.component}${a.culprit.host ? ` on ${a.culprit.host}` : ''}` : '';
  const lead = a.for[0]?.claim ?? m.title;
  const h: Hypothesis = {
    cause: m.cause,
    confidence: c.confidence,
    onset: iso(a.onsetMs),
    title: m.title,
    explanation: `${m.title}${culpritText ? ` (${culpritText})` : ''}: ${lead}${chain.links.length > 1 ? `; then ${chain.links.slice(1).map((l) => l.symptom).join(' -> ')}` : ''}.`,
    chain: chain.links,
    evidenceFor,
    evidenceAgainst,
    missing: a.missing,
    nextChecks: m.nextChecks(a.culprit?.host),
    actionItems: [...m.actionItems],
    scores: Object.fromEntries(Object.entries({ ...a.scores, fit: a.fit, ranked: c.score }).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
  };
  if (a.culprit) h.culprit = a.culprit.host ? { component: a.culprit.component, host: a.culprit.host } : { component: a.culprit.component };
  return { h, chainObs: chain.observations };
}

function missingSources(ctx: AnalysisContext): string[] {
  const c = ctx.coverage;
  const out: string[] = [];
  if (!c.metrics) out.push('no Prometheus metrics: etcd fsync/commit latency and apiserver request rates come only from logs');
  if (!c.iostat && !c.metricIds.has('node_disk_util_ratio')) out.push('no disk statistics (iostat or node_exporter): disk saturation cannot be confirmed');
  if (!c.etcdLogs) out.push('no etcd logs');
  if (!c.audit) out.push('no audit log');
  if (!c.events) out.push('no Kubernetes events');
  return out;
}

export function analyzeSignals(signals: SignalSet, options: AnalyzeOptions): Report {
  const t0 = options.elapsedMs?.() ?? 0;
  const ctx = buildContext(signals, options.cache);
  const assessed: { mechanism: Mechanism; assessment: Assessment }[] = [];
  for (const mechanism of MECHANISMS) {
    const assessment = mechanism.evaluate(ctx);
    if (assessment && assessment.fit > 0.05) assessed.push({ mechanism, assessment });
  }
  const ranked = rankCandidates(assessed);
  // A failed source is evidence nobody looked at: every answer is less sure, and says so.
  const lost = assessLostEvidence(signals, ctx.coverage);
  for (const c of ranked) c.confidence = Math.max(0.01, Math.round(c.confidence * lost.factor * 100) / 100);
  const top = ranked[0];
  const verdict = !top || top.score < NONE_THRESHOLD ? 'none' : top.confidence < INCONCLUSIVE_THRESHOLD ? 'inconclusive' : 'incident';
  const built = ranked.slice(0, 5).map((c) => toHypothesis(c, ctx));
  const hypotheses = built.map((b) => b.h);
  if (hypotheses[0] && lost.missing.length > 0) {
    hypotheses[0].missing.push(...lost.missing);
    hypotheses[0].scores['coverage'] = lost.factor;
  }
  if (verdict === 'inconclusive' && hypotheses[0]) hypotheses[0].missing.push(...missingSources(ctx));
  const lead = verdict === 'none' ? undefined : built[0];
  const chainObs = new Set(lead?.chainObs.map((o) => o.id) ?? []);
  const timeline = buildTimeline(ctx.observations, chainObs);
  const impact = buildImpact(ctx.observations, signals);
  const detectionObs = lead ? lead.chainObs.filter((o) => o.basis === 'metric' || o.basis === 'iostat' || o.basis === 'audit').sort((a, b) => a.startMs - b.startMs)[0] ?? lead.chainObs[0] : undefined;
  const missing = missingSources(ctx);
  const dataQuality: Report['dataQuality'] = [
    ...signals.sources.filter((s) => s.status !== 'ok' || s.badLines > 0).map((s) => {
      const message = s.message ?? `${s.badLines} malformed lines of ${s.lines}`;
      const note = lost.notes.get(s.sourceId);
      return { sourceId: s.sourceId, status: s.status, message: note ? `${message} (${note})` : message };
    }),
    ...missing.map((m) => ({ sourceId: 'coverage', status: 'unknown' as const, message: m })),
  ];
  const h0 = hypotheses[0];
  const title =
    verdict === 'none'
      ? 'No incident found in the window'
      : `${h0!.title}${h0!.culprit?.host ? ` on ${h0!.culprit.host}` : ''}`;
  const summary =
    verdict === 'none'
      ? `No mechanism explains the window: ${ctx.observations.length} anomalies were seen, none strong enough with the damage it would cause${h0 ? ` (closest: ${h0.cause}, fit ${h0.scores['fit']})` : ''}.`
      : `${h0!.explanation} Confidence ${Math.round(h0!.confidence * 100)} %${verdict === 'inconclusive' ? ' (inconclusive: the evidence does not single out one cause)' : ''}. Onset ${h0!.onset}.${
          impact.apiErrors ? ` ${impact.apiErrors} API errors over ${Math.round(impact.apiErrorSeconds)} s.` : ''
        }${impact.notReadyNodes.length ? ` Nodes NotReady: ${impact.notReadyNodes.join(', ')}.` : ''}`;
  const stats = signals.sources.reduce((acc, s) => ({ lines: acc.lines + s.lines, bad: acc.bad + s.badLines, records: acc.records + s.records }), { lines: 0, bad: 0, records: 0 });
  const contributing = (lead ? top!.assessment.for.slice(1) : []).map((f) => ({ claim: f.claim, ...(f.obs ? { at: iso(f.obs.startMs), ref: f.obs.evidence[0]! } : {}) }));
  const report: Report = {
    verdict,
    hypotheses,
    onset: verdict === 'none' || !h0?.onset ? null : h0.onset,
    chain: verdict === 'none' ? [] : (h0?.chain ?? []),
    window: { from: iso(signals.window.fromMs), to: iso(signals.window.toMs) },
    title,
    summary,
    detection: detectionObs ? { at: iso(detectionObs.startMs), what: detectionObs.detail } : null,
    impact,
    timeline,
    series: buildSeries(ctx, lead?.chainObs ?? []),
    clock: ctx.offsets.map((o) => ({ sourceId: o.sourceId, offsetMs: o.offsetMs, anchors: o.anchors, method: o.method })),
    sources: signals.sources.map((s) => ({ ...s })),
    dataQuality,
    contributingFactors: contributing,
    stats: { files: signals.sources.length, lines: stats.lines, badLines: stats.bad, records: stats.records, series: signals.series.length, ingestMs: Math.round(options.ingestMs ?? 0), analyseMs: Math.round((options.elapsedMs?.() ?? 0) - t0) },
  };
  return report;
}
