/** Small queries over observations shared by the mechanism modules. */
import type { FactKey } from '../signals/index.js';
import type { Observation, ObservationBasis } from '../anomaly/index.js';
import type { MechanismContext } from './types.js';

export interface Query {
  host?: string | undefined;
  hosts?: string[];
  fromMs?: number;
  toMs?: number;
  basis?: ObservationBasis[];
  component?: string;
}

export function find(ctx: MechanismContext, key: FactKey, q: Query = {}): Observation[] {
  return ctx.observations.filter(
    (o) =>
      o.key === key &&
      (q.host === undefined || o.host === q.host) &&
      (q.hosts === undefined || (o.host !== undefined && q.hosts.includes(o.host))) &&
      (q.fromMs === undefined || o.endMs >= q.fromMs) &&
      (q.toMs === undefined || o.startMs <= q.toMs) &&
      (q.basis === undefined || q.basis.includes(o.basis)) &&
      (q.component === undefined || o.component === q.component),
  );
}

export function earliest(obs: Observation[]): Observation | undefined {
  let best: Observation | undefined;
  for (const o of obs) if (!best || o.startMs < best.startMs) best = o;
  return best;
}

/**
 * The start of the main episode: observations are grouped into runs (each starting within `gapMs`
 * of the run so far), and the run with the most evidence (summed strength) gives the onset. A
 * short blip a minute before the real episode (a restart, a scrape of a start-up spike) is not
 * where the incident began; a ramp that walks into it is one run with it.
 */
export function mainOnset(obs: Observation[], gapMs = 30_000): Observation | undefined {
  const sorted = [...obs].sort((a, b) => a.startMs - b.startMs);
  let best: { first: Observation; score: number } | undefined;
  let run: { first: Observation; endMs: number; score: number } | undefined;
  const close = () => {
    if (run && (!best || run.score > best.score + 1e-9)) best = { first: run.first, score: run.score };
  };
  for (const o of sorted) {
    if (run && o.startMs <= run.endMs + gapMs) {
      run.endMs = Math.max(run.endMs, o.endMs);
      run.score += o.strength;
    } else {
      close();
      run = { first: o, endMs: o.endMs, score: o.strength };
    }
  }
  close();
  return best?.first;
}

export function strongest(obs: Observation[]): Observation | undefined {
  let best: Observation | undefined;
  for (const o of obs) if (!best || o.strength > best.strength || (o.strength === best.strength && o.startMs < best.startMs)) best = o;
  return best;
}

/** Total evidence weight, saturating: two independent sources count more than one. */
export function weight(obs: Observation[]): number {
  let miss = 1;
  for (const o of obs) miss *= 1 - Math.min(0.95, o.strength);
  return 1 - miss;
}

export function groupByHost(obs: Observation[]): Map<string, Observation[]> {
  const m = new Map<string, Observation[]>();
  for (const o of obs) {
    if (o.host === undefined) continue;
    const list = m.get(o.host) ?? [];
    list.push(o);
    m.set(o.host, list);
  }
  return m;
}

/** The host with the most weight, ties broken by the earliest start, then by name. */
export function leadingHost(obs: Observation[], restrictTo?: string[]): { host: string; weight: number; first: number } | undefined {
  let best: { host: string; weight: number; first: number } | undefined;
  for (const [host, list] of groupByHost(obs)) {
    if (restrictTo && restrictTo.length && !restrictTo.includes(host)) continue;
    const w = weight(list);
    const first = Math.min(...list.map((o) => o.startMs));
    if (!best || w > best.weight + 1e-9 || (Math.abs(w - best.weight) <= 1e-9 && (first < best.first || (first === best.first && host < best.host)))) best = { host, weight: w, first };
  }
  return best;
}

export function overlaps(a: Observation, b: Observation, slackMs = 0): boolean {
  return a.startMs <= b.endMs + slackMs && b.startMs <= a.endMs + slackMs;
}

/** Observations of `keys` that begin within [onset - before, onset + after]. */
export function effectsAfter(ctx: MechanismContext, keys: readonly FactKey[], onsetMs: number, afterMs: number, beforeMs = 15_000): Observation[] {
  return ctx.observations.filter((o) => keys.includes(o.key) && o.startMs >= onsetMs - beforeMs && o.startMs <= onsetMs + afterMs);
}

export function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Evidence weight counting only the first `n` observations by strength (one noisy source is not many). */
export function topWeight(obs: Observation[], n = 4): number {
  return weight([...obs].sort((a, b) => b.strength - a.strength).slice(0, n));
}
