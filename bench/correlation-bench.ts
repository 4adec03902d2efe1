/**
 * Correlation: analyzeSignals on synthetic signals (synth-signals.ts), at the target size (500
 * series x 1 h at 1 s, 100,000 log records) and growing the series count and the window, each
 * point in its own process. Growth is summarised as the exponent k of time ~ size^k between the
 * smallest and the largest point (1 is linear).
 */
import path from 'node:path';
import { lastJson, measure } from './measure.js';

export interface CorrelationPoint {
  series: number;
  minutes: number;
  logs: number;
  firstMs: number;
  /** CPU time of the first run (the process's threads: V8 also collects garbage on a helper thread). */
  firstCpuMs: number;
  medianMs: number;
  verdict: string;
}

const HERE = path.dirname(new URL(import.meta.url).pathname);

export async function runCorrelationPoint(series: number, minutes: number, logs: number, runs: number): Promise<CorrelationPoint> {
  const m = await measure(process.execPath, ['--max-old-space-size=8192', '--expose-gc', path.join(HERE, 'correlation-child.js'), String(series), String(minutes), String(logs), String(runs)]);
  const r = lastJson<{ firstMs: number; firstCpuMs: number; medianMs: number; verdict: string }>(m, `analysis of ${series} series x ${minutes} min`);
  return { series, minutes, logs, ...r };
}

/** k in time ~ size^k, from the first and last points. */
export function growthExponent(points: { size: number; ms: number }[]): number {
  const a = points[0]!;
  const b = points.at(-1)!;
  return Math.log(b.ms / a.ms) / Math.log(b.size / a.size);
}
