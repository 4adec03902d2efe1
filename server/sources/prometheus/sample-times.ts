/**
 * The scrape times behind each point of a `query_range` result, per target. Prometheus evaluates
 * every query on one grid (multiples of the step), so a sample scraped 14 s before an evaluation
 * and one scraped 1 s before it look simultaneous; the file source keeps each sample's own time.
 * `buildSeries` puts each point back at its sample's time with these, so both sources give the same
 * points at the same times and symptoms of different targets keep their order within a step.
 */
import { labelSetText, rawMatrixSeriesSchema } from './to-series.js';

/** Evaluation time (ms) -> time of the newest sample it read (ms), per target key. */
export type SampleTimes = Map<string, Map<number, number>>;

/** The key of a target in a result: its host and job labels, as the sample-time query groups them. */
export function sampleTimeKey(labels: Readonly<Record<string, string>>, keyLabels: readonly string[]): string {
  const picked: Record<string, string> = {};
  for (const l of keyLabels) {
    const v = labels[l];
    if (v !== undefined && v !== '') picked[l] = v;
  }
  return labelSetText(picked);
}

/** A sample-time query's result; anything malformed is left out (its points keep the fallback stamp). */
export function parseSampleTimes(result: unknown, keyLabels: readonly string[], into: SampleTimes = new Map()): SampleTimes {
  if (!Array.isArray(result)) return into;
  for (const item of result) {
    const p = rawMatrixSeriesSchema.safeParse(item);
    if (!p.success) continue;
    const key = sampleTimeKey(p.data.metric, keyLabels);
    const times = into.get(key) ?? new Map<number, number>();
    for (const [evalS, text] of p.data.values) {
      const sampleS = Number(text);
      if (Number.isFinite(sampleS)) times.set(Math.round(evalS * 1000), Math.round(sampleS * 1000));
    }
    into.set(key, times);
  }
  return into;
}
