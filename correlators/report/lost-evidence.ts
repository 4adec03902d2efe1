/**
 * What failed or degraded server sources leave out of an analysis, and how much less sure that
 * makes its answer. A kind of evidence is lost only when no other source of the analysis gives it
 * (a failed Prometheus beside a bundle with OpenMetrics files loses nothing).
 */
import type { EvidenceKind, SignalSet, SourceReport } from '../signals/index.js';
import type { Coverage } from '../causal/index.js';

/**
 * Confidence factor per kind of evidence a failed source takes away. Judgement, not fitted: the
 * mechanisms still see whatever else there is, but nothing can confirm or rule out what only the
 * lost kind shows. Metrics weigh most: they carry the root symptom of most of the catalogue (fsync,
 * commit, peer RTT, inflight, webhook, DNS, CPU, memory, disk, clock offset); audit carries the
 * request-side damage and the relist / throttling causes; logs and events mostly confirm effects.
 * With these, a clear answer (confidence >= 0.8) stays an incident after losing metrics, a marginal
 * one (< 0.5) becomes inconclusive (INCONCLUSIVE_THRESHOLD = 0.4).
 */
const FAILED_FACTOR: Readonly<Record<EvidenceKind, number>> = { metrics: 0.8, audit: 0.9, logs: 0.9, events: 0.95 };
/** A degraded source answered in part (some queries or indexes failed): a quarter of the failed loss. */
const DEGRADED_SHARE = 0.25;

const WHAT: Readonly<Record<EvidenceKind, string>> = {
  metrics: 'metrics (etcd fsync / commit / peer latency, apiserver request rates and latency, node CPU, memory and disk)',
  audit: 'audit log (API requests, errors, throttling, the busiest clients)',
  logs: 'component logs (etcd, kube-apiserver, controllers, kubelet, CoreDNS)',
  events: 'Kubernetes events (NodeNotReady, evictions, image pulls, scheduling)',
};

function covered(kind: EvidenceKind, c: Coverage): boolean {
  switch (kind) {
    case 'metrics':
      return c.metrics;
    case 'audit':
      return c.audit;
    case 'logs':
      return c.etcdLogs || c.apiserverLog || c.kubeletLogs || c.controllerLogs || c.corednsLogs;
    case 'events':
      return c.events;
  }
}

export interface LostEvidence {
  /** Lines for `hypotheses[0].missing`, one per failed or degraded source. */
  missing: string[];
  /** Multiplies every candidate's confidence (1 when nothing is lost). */
  factor: number;
  /** What to append to a source's data-quality message, by source id. */
  notes: Map<string, string>;
}

export function assessLostEvidence(signals: SignalSet, coverage: Coverage): LostEvidence {
  const out: LostEvidence = { missing: [], factor: 1, notes: new Map() };
  const lostKinds = new Set<EvidenceKind>();
  for (const s of signals.sources) {
    if ((s.status !== 'failed' && s.status !== 'degraded') || !s.evidence?.length) continue;
    const kinds = s.status === 'failed' ? s.evidence.filter((k) => !covered(k, coverage)) : s.evidence;
    if (kinds.length === 0) continue;
    for (const k of kinds) {
      const loss = 1 - FAILED_FACTOR[k];
      // the same kind lost twice (two failed indexes of audit) is one loss
      if (s.status === 'failed' && !lostKinds.has(k)) out.factor *= 1 - loss;
      if (s.status === 'degraded') out.factor *= 1 - loss * DEGRADED_SHARE;
      if (s.status === 'failed') lostKinds.add(k);
    }
    out.missing.push(describe(s, kinds));
    out.notes.set(s.sourceId, s.status === 'failed' ? `analysed without its ${kinds.join(', ')}` : `analysed with part of its ${kinds.join(', ')}`);
  }
  out.factor = Math.round(out.factor * 1000) / 1000;
  return out;
}

function describe(s: SourceReport, kinds: EvidenceKind[]): string {
  const what = kinds.map((k) => WHAT[k]).join('; ');
  return s.status === 'failed'
    ? `source ${s.sourceId} failed, so its ${what} could neither support nor rule out this cause (see data quality)`
    : `source ${s.sourceId} answered only in part: some of its ${what} are missing (see data quality)`;
}
