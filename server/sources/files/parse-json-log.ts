/**
 * One JSON log line: etcd 3.5 zap (`{"level":"warn","ts":"2026-…Z","caller":…,"msg":…}`), Kubernetes
 * components' JSON format (`{"ts":1700000000000.123,"caller":…,"msg":…,"v":0}`, ts in ms) and other
 * zap loggers (`ts` in epoch seconds). Fields are flattened: scalars kept, objects as JSON text.
 */
import type { Severity } from '../../../correlators/signals/index.js';
import { parseIsoTimestampMs } from './civil-time.js';
import type { RecordFields } from './file-context.js';
import { severityFromLevel } from './log-vocabulary.js';

export interface JsonLogLine {
  /** Undefined when the line has no timestamp (a wrapper may give one). */
  atMs: number | undefined;
  severity: Severity;
  message: string;
  fields: RecordFields;
  caller?: string;
  logger?: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const RESERVED = new Set(['ts', 'time', 'timestamp', 'level', 'msg', 'message']);
const MAX_FIELD_CHARS = 2000;

/** JSON.parse that reports instead of throwing. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Epoch ms of a zap / klog-json `ts`: ISO text, epoch ms (Kubernetes) or epoch seconds (zap default). */
export function parseLogTs(ts: unknown): number | undefined {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || ts <= 0) return undefined;
    return Math.round(ts > 1e11 ? ts : ts * 1000);
  }
  if (typeof ts === 'string') return parseIsoTimestampMs(ts);
  return undefined;
}

export function flattenFields(o: Record<string, unknown>, skip: Set<string>): RecordFields {
  const fields: RecordFields = {};
  for (const k of Object.keys(o)) {
    if (skip.has(k)) continue;
    const v = o[k];
    if (typeof v === 'string' || typeof v === 'boolean') fields[k] = v;
    else if (typeof v === 'number') fields[k] = v;
    else if (v !== null && v !== undefined) {
      const s = JSON.stringify(v);
      fields[k] = s.length > MAX_FIELD_CHARS ? s.slice(0, MAX_FIELD_CHARS) : s;
    }
  }
  return fields;
}

export function parseJsonLogLine(text: string): ParseResult<JsonLogLine> {
  const o = parseJsonObject(text);
  if (!o) return { ok: false, reason: 'invalid JSON' };
  const msg = o.msg ?? o.message;
  const tsRaw = o.ts ?? o.time ?? o.timestamp;
  if (msg === undefined && tsRaw === undefined) return { ok: false, reason: 'JSON line without "msg" or "ts"' };
  let atMs: number | undefined;
  if (tsRaw !== undefined) {
    atMs = parseLogTs(tsRaw);
    if (atMs === undefined) return { ok: false, reason: `invalid timestamp ${JSON.stringify(tsRaw).slice(0, 60)}` };
  }
  let severity: Severity = 'info';
  if (typeof o.level === 'string') severity = severityFromLevel(o.level) ?? 'info';
  // Kubernetes JSON logs have no level: info lines carry a verbosity "v", errors an "err" and no "v"
  else if (o.v === undefined && 'err' in o) severity = 'error';
  else if (typeof o.v === 'number' && o.v > 0) severity = 'debug';
  const out: JsonLogLine = {
    atMs,
    severity,
    message: typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg),
    fields: flattenFields(o, RESERVED),
  };
  if (typeof o.caller === 'string') out.caller = o.caller;
  if (typeof o.logger === 'string') out.logger = o.logger;
  return { ok: true, value: out };
}
