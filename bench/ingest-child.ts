/**
 * One timed `readBundle` (the whole file source) in a fresh process: node ingest-child.js DIR
 * FROM_MS TO_MS [WORKERS]. Prints {ms, lines, bytes, requests, maxRssMB}.
 */
import { performance } from 'node:perf_hooks';
import { defaultReadPlan, readBundleFiles } from '../server/sources/files/read-bundle.js';

const [dir, fromMs, toMs, workers] = process.argv.slice(2);
if (!dir || !fromMs || !toMs) throw new Error('usage: ingest-child DIR FROM_MS TO_MS [WORKERS]');
const plan = defaultReadPlan();
if (workers) plan.workers = Number(workers);
const started = performance.now();
const set = await readBundleFiles(dir, { fromMs: Number(fromMs), toMs: Number(toMs) }, {}, plan);
const ms = performance.now() - started;
const lines = set.sources.reduce((n, s) => n + s.lines, 0);
const bytes = set.sources.reduce((n, s) => n + s.bytes, 0);
const requests = set.audit.reduce((n, a) => n + a.total.reduce((x, y) => x + y, 0), 0);
process.stdout.write(`${JSON.stringify({ ms, lines, bytes, requests, workers: plan.workers, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
