/**
 * A live session's analyses, timed: node live-tick-child.js SERIES LOGS_PER_HOUR TICKS MODE [WINDOW_MIN].
 * The window (default 1 h) slides 15 s per tick over synthetic signals (synth-signals.ts) the way a live
 * store hands them over: the same record objects while they stay in the window, each series a new
 * object made from the last tick's as the store makes it (its head trimmed, new points appended:
 * series-lineage.ts). MODE `fresh` analyses each tick from scratch, `cached`
 * keeps one AnalysisCache as a session does. Prints {medianMs, firstMs, stats}; the median is of
 * the ticks after the first five (warm JIT).
 */
import { performance } from 'node:perf_hooks';
import { Settings } from 'luxon';
import { AnalysisCache, analyzeSignals } from '../correlators/report/index.js';
import { firstIndex } from '../correlators/search.js';
import { appendPoints, sliceSeries, type Series } from '../correlators/signals/index.js';
import { buildSyntheticSignals } from './synth-signals.js';

// as the CLI does for every command (server/cli.ts): luxon does not ask Intl for the system locale
Settings.defaultLocale = 'en-US';

const [series = NaN, logsPerHour, ticks] = process.argv.slice(2, 5).map(Number);
const mode = process.argv[5];
const windowMin = Number(process.argv[6] ?? '60');
if (!(series >= 0) || !logsPerHour || !ticks || (mode !== 'fresh' && mode !== 'cached') || !(windowMin > 0)) throw new Error('usage: live-tick-child SERIES LOGS_PER_HOUR TICKS fresh|cached [WINDOW_MIN]');
const WINDOW_MS = windowMin * 60_000;
const CONTEXT_MS = 10 * 60_000;
const STEP_MS = 15_000;
const minutes = windowMin + 10 + Math.ceil((ticks * STEP_MS) / 60_000);
const full = buildSyntheticSignals({ series, minutes, logs: Math.round((logsPerHour * minutes) / 60) });

/** The series of the window ending at `toMs`: the last tick's trimmed and appended to, as a live store does. */
function slide(s: Series, before: Series | undefined, fromMs: number, toMs: number): Series {
  const hi = firstIndex(s.t.length, (i) => s.t[i]! > toMs);
  if (!before) return sliceSeries(s, firstIndex(s.t.length, (i) => s.t[i]! >= fromMs), hi);
  const kept = sliceSeries(before, firstIndex(before.t.length, (i) => before.t[i]! >= fromMs), before.t.length);
  const lastMs = before.t[before.t.length - 1] ?? -Infinity;
  const lo = firstIndex(s.t.length, (i) => s.t[i]! > lastMs);
  return appendPoints(kept, s.t.slice(lo, hi), s.v.slice(lo, hi));
}

const cache = new AnalysisCache();
const times: number[] = [];
let tickSeries: Series[] = [];
for (let k = 0; k < ticks; k++) {
  const toMs = full.window.fromMs + CONTEXT_MS + WINDOW_MS + k * STEP_MS;
  const fromMs = toMs - WINDOW_MS;
  const logs = full.logs.filter((r) => r.atMs >= fromMs - CONTEXT_MS && r.atMs <= toMs);
  tickSeries = full.series.map((s, i) => slide(s, tickSeries[i], fromMs - CONTEXT_MS, toMs));
  const signals = { ...full, window: { fromMs, toMs }, logs, series: tickSeries };
  const started = performance.now();
  analyzeSignals(signals, mode === 'cached' ? { nowMs: toMs, cache } : { nowMs: toMs });
  times.push(performance.now() - started);
}
const warm = times.slice(Math.min(5, times.length - 1)).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ medianMs: warm[Math.floor(warm.length / 2)], firstMs: times[0], stats: cache.stats() })}\n`);
