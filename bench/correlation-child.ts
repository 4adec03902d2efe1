/**
 * Times `analyzeSignals` on a synthetic SignalSet in a fresh process: node correlation-child.js
 * SERIES MINUTES LOGS RUNS. Prints {firstMs, firstCpuMs, medianMs, verdict}: the first run is what one CLI
 * analysis pays (cold JIT), the median of the runs after it the steady state. Each run starts from
 * a collected heap when the process has `gc` (--expose-gc): a run then pays for the garbage it
 * makes, not for the ~80 MB the synthetic generator just allocated (whose full collection otherwise
 * lands in the first run, ~85 ms here).
 */
import { performance } from 'node:perf_hooks';
import { Settings } from 'luxon';
import { analyzeSignals } from '../correlators/report/index.js';
import { buildSyntheticSignals } from './synth-signals.js';

// as the CLI does for every command (server/cli.ts): luxon does not ask Intl for the system locale
Settings.defaultLocale = 'en-US';

const [series, minutes, logs, runs] = process.argv.slice(2).map(Number);
if (!series || !minutes || logs === undefined || !runs) throw new Error('usage: correlation-child SERIES MINUTES LOGS RUNS');
const signals = buildSyntheticSignals({ series, minutes, logs });
const times: number[] = [];
const cpu: number[] = [];
let verdict = '';
const collect = (globalThis as { gc?: () => void }).gc;
for (let i = 0; i < runs; i++) {
  collect?.();
  const started = performance.now();
  const c = process.cpuUsage();
  const report = analyzeSignals(signals, { nowMs: signals.window.toMs });
  times.push(performance.now() - started);
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1000);
  verdict = `${report.verdict}${report.hypotheses[0] ? ` ${report.hypotheses[0].cause}` : ''}`;
}
const rest = times.slice(1).sort((a, b) => a - b);
const medianMs = rest.length ? rest[Math.floor(rest.length / 2)]! : times[0]!;
process.stdout.write(`${JSON.stringify({ firstMs: times[0], firstCpuMs: cpu[0], medianMs, verdict })}\n`);
