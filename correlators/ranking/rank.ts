/**
 * Ranks mechanism assessments. Three steps:
 * 1. explaining away: when the leading candidate's mechanism also produces another candidate's
 *    root symptoms, and they start after its onset, that candidate is an effect and loses weight;
 * 2. temporal precedence: of two candidates with overlapping evidence, the one that starts
 *    clearly earlier (beyond clock uncertainty) gains a little;
 * 3. confidence: the fit, discounted by how close the runner-up is (a clear winner is surer).
 */
import type { Assessment, Mechanism } from '../causal/index.js';

export interface Candidate {
  mechanism: Mechanism;
  assessment: Assessment;
  /** Fit after explaining away. */
  score: number;
  confidence: number;
  /** Why the score was lowered, for "alternatives considered". */
  explainedBy?: string;
}

/** Below this fit no mechanism is believed: the window is healthy. */
export const NONE_THRESHOLD = 0.33;
/** A leader below this confidence makes the verdict inconclusive. */
export const INCONCLUSIVE_THRESHOLD = 0.4;

export function rankCandidates(items: { mechanism: Mechanism; assessment: Assessment }[], clockUncertaintyMs = 5_000): Candidate[] {
  const cands: Candidate[] = items.map((i) => ({ ...i, score: i.assessment.fit, confidence: 0 }));
  const order = () => cands.sort((a, b) => b.score - a.score || a.assessment.onsetMs - b.assessment.onsetMs || a.mechanism.cause.localeCompare(b.mechanism.cause));
  order();
  // explaining away, leader first, two passes (a demoted leader may stop explaining others)
  for (let pass = 0; pass < 2; pass++) {
    for (const lead of [...cands]) {
      for (const other of cands) {
        if (other === lead || other.score > lead.score) continue;
        const rootKeys = new Set(other.assessment.roots.map((o) => o.key));
        const explained = [...rootKeys].filter((k) => lead.mechanism.explains.includes(k));
        if (explained.length === 0 || explained.length < rootKeys.size * 0.5) continue;
        if (other.assessment.onsetMs + clockUncertaintyMs < lead.assessment.onsetMs) continue;
        if (other.explainedBy) continue;
        other.score *= 0.6;
        other.explainedBy = `${lead.mechanism.cause} also produces ${explained.join(', ')} and began first`;
      }
    }
    order();
  }
  const top = cands[0]?.score ?? 0;
  const second = cands[1]?.score ?? 0;
  for (const [i, c] of cands.entries()) {
    const margin = i === 0 ? (top > 0 ? (top - second) / top : 0) : 0;
    // leader: fit scaled up by its margin; others: their fit relative to the leader
    const raw = i === 0 ? c.score * (0.75 + 0.45 * margin) : c.score * 0.6 * (top > 0 ? c.score / top : 0);
    c.confidence = Math.round(Math.max(0.01, Math.min(0.99, raw)) * 100) / 100;
  }
  return cands;
}
