/**
 * A burst kept by a live window between analyses, so that when its group slides (its first facts
 * leave the window, new ones arrive after its last) it is updated with the difference instead of
 * folded again. The observation made from it is the one {@link foldBurst} makes of the same facts
 * (test/correlators/report/reuse.test.ts compares them).
 */
import type { FactRecord } from './bursts.js';
import type { Observation } from './types.js';

/** The per-fact inputs of a burst: corrected fact objects, each one's count and stated value (a state keeps the arrays it is made of). */
export interface BurstFacts {
  facts: FactRecord[];
  counts: number[];
  values: number[];
}

export class BurstState {
  /** The burst's facts (as corrected), in time order, with their counts and stated values. */
  facts: FactRecord[];
  counts: number[];
  values: number[];
  count = 0;
  /** Whether every count is an integer: sums then do not depend on their order. */
  integral = true;
  /** The first fact with the largest stated value (0 when none states one). */
  peakPos = 0;
  peakValue = -Infinity;
  /** Per tag, per value, the positions of the facts that state it (ascending). */
  tags = new Map<string, Map<string, number[]>>();
  /** The call of FactGroups.bursts that used it last (an old burst serves one new one per call). */
  usedIn = 0;
  /** Its observation, made once per state. */
  obs: Observation | undefined;

  /** The state of these facts, keeping their arrays (none: an empty one, to fill). */
  constructor(input: BurstFacts = { facts: [], counts: [], values: [] }) {
    this.facts = input.facts;
    this.counts = input.counts;
    this.values = input.values;
    for (let k = 0; k < this.facts.length; k++) this.#take(k);
  }

  /** Folds in fact k (already in the arrays). */
  #take(k: number): void {
    const c = this.counts[k]!;
    this.count += c;
    if (!Number.isInteger(c)) this.integral = false;
    if (this.values[k]! > this.peakValue) {
      this.peakValue = this.values[k]!;
      this.peakPos = k;
    }
    const detail = this.facts[k]!.fact.detail;
    if (!detail) return;
    for (const t in detail) {
      const val = detail[t];
      if (!val) continue;
      let byValue = this.tags.get(t);
      if (!byValue) this.tags.set(t, (byValue = new Map()));
      const at = byValue.get(val);
      if (at) at.push(k);
      else byValue.set(val, [k]);
    }
  }

  /**
   * The state of this burst without its first `h` facts and with `tail` after its last, or
   * undefined when that needs a fold afresh (counts that are not integers: their sum would
   * depend on the order of the additions). The old state is not kept: an analysis serves each
   * old burst once.
   */
  slide(h: number, tail: BurstFacts): BurstState | undefined {
    if (h > 0 && !this.integral) return undefined;
    const next = new BurstState();
    const facts = (next.facts = this.facts.slice(h));
    const counts = (next.counts = this.counts.slice(h));
    const values = (next.values = this.values.slice(h));
    next.count = this.count;
    for (let k = 0; k < h; k++) next.count -= this.counts[k]!;
    next.integral = this.integral;
    if (this.peakPos >= h && this.peakValue > -Infinity) {
      next.peakPos = this.peakPos - h;
      next.peakValue = this.peakValue;
    } else {
      // the largest value left with the head (or none was stated): the first largest of the rest
      for (let k = 0; k < values.length; k++) {
        if (values[k]! > next.peakValue) {
          next.peakValue = values[k]!;
          next.peakPos = k;
        }
      }
    }
    const tags = next.tags;
    for (const [t, byValue] of this.tags) {
      const kept = new Map<string, number[]>();
      for (const [val, at] of byValue) {
        let lo = 0;
        while (lo < at.length && at[lo]! < h) lo++;
        if (lo < at.length) kept.set(val, at.slice(lo).map((k) => k - h));
      }
      if (kept.size) tags.set(t, kept);
    }
    for (let k = 0; k < tail.facts.length; k++) {
      facts.push(tail.facts[k]!);
      counts.push(tail.counts[k]!);
      values.push(tail.values[k]!);
      next.#take(facts.length - 1);
    }
    return next;
  }

  /**
   * The tags as {@link foldBurst} gathers them: tag names in order of the first fact stating them
   * (within one fact, in its detail's key order), each tag's first `max` values in order of first
   * statement.
   */
  tagsOut(max: number): Record<string, string[]> {
    const named: { t: string; first: number; values: string[] }[] = [];
    for (const [t, byValue] of this.tags) {
      const values = [...byValue].sort((a, b) => a[1][0]! - b[1][0]!);
      named.push({ t, first: values[0]![1][0]!, values: values.slice(0, max).map(([v]) => v) });
    }
    named.sort((a, b) => a.first - b.first || keyRank(this.facts[a.first]!, a.t) - keyRank(this.facts[b.first]!, b.t));
    return Object.fromEntries(named.map((n) => [n.t, n.values]));
  }
}

/** Where `t` comes among the keys of the fact's detail, in for-in order. */
function keyRank(f: FactRecord, t: string): number {
  let k = 0;
  for (const key in f.fact.detail) {
    if (key === t) return k;
    k++;
  }
  return k;
}

/** Evidence positions as {@link foldBurst} picks them: the first lines, the peak, the last. */
export function evidencePositions(n: number, peakPos: number, maxEvidence: number): number[] {
  const pick = new Set<number>();
  for (let k = 0; k < Math.min(n, maxEvidence - 2); k++) pick.add(k);
  pick.add(peakPos);
  pick.add(n - 1);
  return [...pick];
}
