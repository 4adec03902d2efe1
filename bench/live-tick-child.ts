/**
 * A live session's analyses, timed: node live-tick-child.js SERIES LOGS_PER_HOUR TICKS MODE [WINDOW_MIN].
 * The window (default 1 h) slides 15 s per tick over synthetic signals (synth-signals.ts) the way a live
 * store hands them over: the same record objects while they stay in the window, each series a new
 * object: a polled source's (the last one with the new range appended) handed to a live store,
 * which trims it and links it to the one it replaces (series-lineage.ts). The store's work is timed
 * apart (`storeMedianMs`). MODE `fresh` analyses each tick from scratch, `cached`
 * keeps one AnalysisCache as a session does. Prints {medianMs, firstMs, stats}; the median is of
 * the ticks after the first five (warm JIT).
 */
import { performance } from 'node:perf_hooks';
import { Settings } from 'luxon';
import { AnalysisCache, analyzeSignals } from '../correlators/report/index.js';
import { firstIndex } from '../correlators/search.js';
import type { Series } from '../correlators/signals/index.js';
import { appendSeriesParts, SignalStore, trimSeries } from '../server/live/index.js';
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

/** A polled source's series for the window ending at `toMs`: what it held with the new range appended, cut at `fromMs`. */
function polled(s: Series, before: Series | undefined, fromMs: number, toMs: number): Series {
  const hi = firstIndex(s.t.length, (i) => s.t[i]! > toMs);
  const lastMs = before?.t[before.t.length - 1] ?? fromMs - 1;
  const lo = firstIndex(s.t.length, (i) => s.t[i]! > lastMs);
  const grown = before ? appendSeriesParts([before], [{ ...s, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) }])[0]! : { ...s, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) };
  return trimSeries(grown, fromMs)!;
}

const cache = new AnalysisCache();
// the series reach the analysis through a live store, which links each to the one it replaces
const store = new SignalStore();
const times: number[] = [];
const storeTimes: number[] = [];
let sourceSeries: Series[] = [];
for (let k = 0; k < ticks; k++) {
  const toMs = full.window.fromMs + CONTEXT_MS + WINDOW_MS + k * STEP_MS;
  const fromMs = toMs - WINDOW_MS;
  const logs = full.logs.filter((r) => r.atMs >= fromMs - CONTEXT_MS && r.atMs <= toMs);
  sourceSeries = full.series.map((s, i) => polled(s, sourceSeries[i], fromMs - CONTEXT_MS, toMs));
  const stored = performance.now();
  store.setAggregates('metrics', sourceSeries, []);
  store.trim(fromMs - CONTEXT_MS);
  const { series: tickSeries } = store.snapshot({ fromMs, toMs });
  storeTimes.push(performance.now() - stored);
  const signals = { ...full, window: { fromMs, toMs }, logs, series: tickSeries };
  const started = performance.now();
  analyzeSignals(signals, mode === 'cached' ? { nowMs: toMs, cache } : { nowMs: toMs });
  times.push(performance.now() - started);
}
const warm = times.slice(Math.min(5, times.length - 1)).sort((a, b) => a - b);
const storeWarm = storeTimes.slice(Math.min(5, storeTimes.length - 1)).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ medianMs: warm[Math.floor(warm.length / 2)], firstMs: times[0], storeMedianMs: storeWarm[Math.floor(storeWarm.length / 2)], stats: cache.stats() })}\n`);
