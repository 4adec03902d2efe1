/**
 * File ingest: rootline's file source against the practical limits on one audit log: `cat` (the
 * disk), a Node loop that only JSON.parses every line, and the same per-second aggregates with jq
 * and pandas (on the full log or, with --baseline-mb, a line-aligned prefix of it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { AuditInput } from './bench-data.js';
import { lastJson, measure } from './measure.js';

export interface IngestRow {
  tool: string;
  bytes: number;
  lines: number;
  wallMs: number;
  maxRssMB: number | undefined;
  /** CPU seconds of the whole process (all threads, start-up included), from GNU time. */
  cpuS: number | undefined;
  note: string;
}

interface ChildResult {
  ms: number;
  lines: number;
  bytes: number;
  maxRssMB: number;
  requests?: number;
  workers?: number;
}

const HERE = path.dirname(new URL(import.meta.url).pathname);
/** bench/baselines in the source tree (dist/bench -> bench/baselines). */
const BASELINES = path.resolve(HERE, '..', '..', 'bench', 'baselines');

export async function runRootline(input: AuditInput, workers?: number): Promise<IngestRow & { requests: number }> {
  const args = [path.join(HERE, 'ingest-child.js'), input.bundle, String(input.window.fromMs), String(input.window.toMs)];
  if (workers !== undefined) args.push(String(workers));
  const m = await measure(process.execPath, args);
  const r = lastJson<ChildResult>(m, 'rootline readBundle');
  const label = workers === 1 ? 'rootline, 1 thread' : `rootline (${r.workers} worker threads)`;
  return { tool: label, bytes: r.bytes, lines: r.lines, wallMs: r.ms, maxRssMB: r.maxRssMB, cpuS: m.cpuS, requests: r.requests ?? 0, note: 'readBundle: parse + per-second aggregate, timed in the process' };
}

export async function runJsonParseLoop(file: string): Promise<IngestRow> {
  const m = await measure(process.execPath, [path.join(HERE, 'json-parse-loop.js'), file]);
  const r = lastJson<ChildResult>(m, 'JSON.parse loop');
  return { tool: 'JSON.parse loop (Node)', bytes: r.bytes, lines: r.lines, wallMs: r.ms, maxRssMB: r.maxRssMB, cpuS: m.cpuS, note: 'same reader, JSON.parse per line, nothing else' };
}

export async function runCat(file: string, bytes: number, lines: number): Promise<IngestRow> {
  const m = await measure('cat', [file], { discardStdout: true });
  return { tool: 'cat > /dev/null', bytes, lines, wallMs: m.wallMs, maxRssMB: m.maxRssMB, cpuS: m.cpuS, note: 'the disk (page cache) limit' };
}

/** The window as whole-second ISO-8601 UTC, as the baselines take it. */
function isoSeconds(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? '';
}

export async function runJq(file: string, bytes: number, lines: number, window: AuditInput['window']): Promise<IngestRow & { requests: number }> {
  const m = await measure('jq', ['-n', '-c', '--arg', 'from', isoSeconds(window.fromMs), '--arg', 'to', isoSeconds(window.toMs), '-f', path.join(BASELINES, 'aggregate.jq'), file]);
  const r = lastJson<{ requests: number }>(m, 'jq');
  return { tool: 'jq (same aggregates)', bytes, lines, wallMs: m.wallMs, maxRssMB: m.maxRssMB, cpuS: m.cpuS, requests: r.requests, note: 'bench/baselines/aggregate.jq' };
}

export async function runPandas(file: string, bytes: number, lines: number, window: AuditInput['window']): Promise<IngestRow & { requests: number }> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const m = await measure(python, [path.join(BASELINES, 'aggregate.py'), file, isoSeconds(window.fromMs), isoSeconds(window.toMs)]);
  const r = lastJson<{ requests: number }>(m, 'pandas');
  return { tool: 'pandas (same aggregates)', bytes, lines, wallMs: m.wallMs, maxRssMB: m.maxRssMB, cpuS: m.cpuS, requests: r.requests, note: 'bench/baselines/aggregate.py: read_json(lines=True) + resample' };
}
