/**
 * The causal chain of a hypothesis: for each step its mechanism declares, the earliest observation
 * of that symptom inside the step's lag window after the onset (on the culprit host first), in
 * time order with the root first. Steps with no observation are left out, not invented.
 */
import { DateTime } from 'luxon';
import type { Symptom } from '../signals/index.js';
import { SYMPTOMS } from '../signals/index.js';
import type { Observation } from '../anomaly/index.js';
import type { Assessment, Mechanism } from '../causal/index.js';
import type { ChainLink, EvidenceItem } from './schema.js';

/** Clock uncertainty allowed before the onset for an effect. */
const BEFORE_MS = 15_000;

export const iso = (ms: number): string => DateTime.fromMillis(Math.round(ms), { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? '';

export function evidenceItems(o: Observation, claim?: string): EvidenceItem[] {
  return o.evidence.slice(0, 3).map((ref, i) => ({ claim: i === 0 ? (claim ?? o.detail) : o.detail, at: iso(o.startMs), ref }));
}

export interface BuiltChain {
  links: ChainLink[];
  observations: Observation[];
}

export function buildChain(mech: Mechanism, a: Assessment, observations: Observation[]): BuiltChain {
  const host = a.culprit?.host;
  const picked: { step: number; obs: Observation; symptom: Symptom }[] = [];
  const chainKeys = new Set<string>(mech.chain.map((c) => c.key));
  for (const [i, step] of mech.chain.entries()) {
    if (!(SYMPTOMS as readonly string[]).includes(step.key)) continue;
    // the root link may have been first seen a while before the onset (a warning level crossed)
    const lo = i === 0 ? a.onsetMs - 600_000 : a.onsetMs - BEFORE_MS + step.lagMs[0];
    const hi = a.onsetMs + (i === 0 ? 60_000 : step.lagMs[1]);
    let pool = i === 0 ? a.roots.filter((o) => o.key === step.key) : observations.filter((o) => o.key === step.key);
    // roots that are clues, not symptoms (a 6 s compaction, a defrag) are the evidence of the root
    // symptom when nothing measured it directly
    if (i === 0 && pool.length === 0 && !a.roots.some((o) => chainKeys.has(o.key))) pool = a.roots;
    const cands = pool.filter((o) => o.startMs >= lo && o.startMs <= hi);
    if (cands.length === 0) continue;
    // prefer the culprit host, then hostless cluster-wide evidence, then the earliest
    const rank = (o: Observation) => (host && o.host === host ? 0 : o.host === undefined ? 1 : 2);
    cands.sort((x, y) => rank(x) - rank(y) || x.startMs - y.startMs);
    const best = cands.filter((c) => rank(c) === rank(cands[0]!)).sort((x, y) => x.startMs - y.startMs)[0]!;
    picked.push({ step: i, obs: best, symptom: step.key });
  }
  // time order, root(s) first: a step never precedes the mechanism's first observed step
  const root = picked.find((p) => p.step === Math.min(...picked.map((q) => q.step)));
  const rest = picked.filter((p) => p !== root).sort((x, y) => Math.max(x.obs.startMs, a.onsetMs) - Math.max(y.obs.startMs, a.onsetMs) || x.step - y.step);
  const ordered = root ? [root, ...rest] : rest;
  const links: ChainLink[] = [];
  const rootAt = root ? Math.max(root.obs.startMs, Math.min(a.onsetMs, root.obs.endMs)) : a.onsetMs;
  let prev: number | undefined;
  for (const p of ordered) {
    // effects never precede the cause: within the clock tolerance they are placed at the root
    const at = p === root ? rootAt : Math.max(p.obs.startMs, rootAt);
    const link: ChainLink = {
      symptom: p.symptom,
      at: iso(at),
      component: p.obs.component,
      because: mech.chain[p.step]!.because,
      evidence: evidenceItems(p.obs),
    };
    if (p.obs.host !== undefined) link.host = p.obs.host;
    if (prev !== undefined) link.lagMs = Math.round(at - prev);
    prev = at;
    links.push(link);
  }
  return { links, observations: ordered.map((p) => p.obs) };
}
