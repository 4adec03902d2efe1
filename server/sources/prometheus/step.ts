/**
 * The query grid: a step chosen from the window, the rate range that goes with it, and the split of
 * a long window into ranges Prometheus (or Thanos / Mimir) answers comfortably.
 */
import type { AnalysisWindow } from '../../../correlators/signals/index.js';

/** Steps we round up to, so grids line up across queries and sources. */
const NICE_STEPS_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000];

/** At most this many points per series over the window when the step is chosen for the user. */
export const TARGET_POINTS = 720;

/**
 * The smallest nice step that keeps the window under `TARGET_POINTS` points and is not finer than
 * the scrape interval (a finer step only repeats samples).
 */
export function chooseStepMs(window: AnalysisWindow, scrapeIntervalMs: number): number {
  const wanted = Math.max(scrapeIntervalMs, Math.ceil((window.toMs - window.fromMs) / TARGET_POINTS));
  return NICE_STEPS_MS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

/**
 * Range of `rate(x[range])` / `irate(x[range])`: at least 4 scrape intervals, so a missed scrape
 * still leaves two samples, and at least the step, so no sample falls between two evaluations.
 * @see https://www.robustperception.io/what-range-should-i-use-with-rate/
 */
export function rateRangeMs(stepMs: number, scrapeIntervalMs: number): number {
  return Math.max(4 * scrapeIntervalMs, stepMs);
}

export type RateFunction = 'rate' | 'irate';

/**
 * `irate` while the step is no coarser than the scrape interval: every evaluation then gives the
 * rate between the last two scrapes, exactly what the file source derives from the same samples
 * (derive-metrics.ts), so a spike is as high and starts as early from either source. A `rate` over
 * 4 scrapes would spread a 15 s spike over a minute: a quarter of its height, crossing thresholds
 * up to a minute late. Coarser steps would skip samples with `irate`, so they average with `rate`
 * over at least the step (`rateRangeMs`).
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#irate
 */
export function chooseRateFunction(stepMs: number, scrapeIntervalMs: number): RateFunction {
  return stepMs <= scrapeIntervalMs ? 'irate' : 'rate';
}

/**
 * How much older than its evaluation time the newest sample behind a point is, on average: half a
 * scrape interval, the evaluation grid being out of phase with every target's scrapes. The source
 * stamps points at `evaluation - sampleLagMs`, the expected time of that sample, which is where the
 * file source puts the same value (at the sample's own timestamp). Unshifted, every metric symptom
 * would look half a scrape later from Prometheus than from files, and clock alignment, which takes
 * metrics as the reference, would read that bias as a skew of every log source.
 */
export function sampleLagMs(scrapeIntervalMs: number): number {
  return Math.round(scrapeIntervalMs / 2);
}

/** `60000` -> `1m`, `90000` -> `90s`, `7200000` -> `2h`: the shortest exact Prometheus duration. */
export function formatPromDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [u, size] of units) if (ms % size === 0) return `${ms / size}${u}`;
  return `${ms}ms`;
}

export interface QueryRange {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * Evaluation times of the window on the step grid (multiples of the step since the epoch, inside
 * [from, to)), cut into ranges of at most `maxRangeMs` and `maxPoints` points that do not overlap.
 */
export function splitRange(window: AnalysisWindow, stepMs: number, maxRangeMs: number, maxPoints = 1000): QueryRange[] {
  const first = Math.ceil(window.fromMs / stepMs) * stepMs;
  const last = Math.ceil(window.toMs / stepMs) * stepMs - stepMs;
  if (last < first) return [];
  const perRange = Math.max(1, Math.min(maxPoints, Math.floor(maxRangeMs / stepMs)));
  const out: QueryRange[] = [];
  for (let start = first; start <= last; start += perRange * stepMs) {
    out.push({ startMs: start, endMs: Math.min(last, start + (perRange - 1) * stepMs), stepMs });
  }
  return out;
}
