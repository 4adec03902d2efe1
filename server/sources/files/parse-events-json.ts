/**
 * `kubectl get events -A -o json`: a `List` (or `EventList`) of core `v1` Events or `events.k8s.io/v1`
 * Events, one LogRecord per Event. The document is streamed: its `items` are cut out one by one by
 * {@link JsonArrayItems}, never the whole file parsed at once. Events before the window are kept
 * (a NodeNotReady an hour earlier explains the window).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/
 */
import type { Severity } from '../../../correlators/signals/index.js';
import { parseIsoTimestampMs } from './civil-time.js';
import type { FileContext, RecordFields } from './file-context.js';
import { JsonArrayItems } from './json-array-items.js';
import type { ChunkHandler, FormatParser } from './line-handler.js';
import { parseJsonObject, type ParseResult } from './parse-json-log.js';

export interface EventRecordParts {
  atMs: number;
  severity: Severity;
  message: string;
  fields: RecordFields;
  host?: string;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function time(v: unknown): number | undefined {
  const s = str(v);
  return s === undefined ? undefined : parseIsoTimestampMs(s);
}

/** One Event object (either API) to the parts of a record. */
export function parseEventObject(e: Record<string, unknown>): ParseResult<EventRecordParts> {
  if (e.kind !== undefined && e.kind !== 'Event') return { ok: false, reason: `not an Event (kind ${String(e.kind).slice(0, 40)})` };
  const meta = obj(e.metadata) ?? {};
  const series = obj(e.series);
  const involved = obj(e.regarding) ?? obj(e.involvedObject) ?? {};
  const source = obj(e.source) ?? obj(e.deprecatedSource) ?? {};
  // the first time the event is known to have happened, in order of precision
  const candidates = [e.eventTime, e.firstTimestamp, series?.lastObservedTime, e.deprecatedFirstTimestamp, meta.creationTimestamp];
  let atMs: number | undefined;
  for (const c of candidates) {
    if (str(c) === undefined) continue;
    atMs = time(c);
    if (atMs === undefined) return { ok: false, reason: `invalid timestamp "${String(c).slice(0, 60)}"` };
    break;
  }
  if (atMs === undefined) return { ok: false, reason: 'Event without a timestamp' };
  const fields: RecordFields = {};
  const put = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) fields[k] = v;
  };
  const kind = str(involved.kind);
  const name = str(involved.name);
  put('reason', str(e.reason));
  put('type', str(e.type));
  put('objectKind', kind);
  put('objectName', name);
  put('namespace', str(involved.namespace) ?? str(meta.namespace));
  const count = [e.count, series?.count, e.deprecatedCount].find((c) => typeof c === 'number' && c > 0);
  if (typeof count === 'number') fields.count = count;
  const lastMs = time(e.lastTimestamp) ?? time(e.deprecatedLastTimestamp) ?? time(series?.lastObservedTime);
  if (lastMs !== undefined) fields.lastMs = lastMs;
  put('sourceComponent', str(source.component) ?? str(e.reportingComponent) ?? str(e.reportingController));
  const nodeName = kind === 'Node' ? name : undefined;
  const host = str(source.host) ?? nodeName;
  put('host', str(source.host) ?? str(e.reportingInstance) ?? nodeName);
  put('action', str(e.action));
  const out: EventRecordParts = {
    atMs,
    severity: e.type === 'Warning' ? 'warn' : 'info',
    message: str(e.note) ?? str(e.message) ?? '',
    fields,
  };
  if (host !== undefined) out.host = host;
  return { ok: true, value: out };
}

function createEventsJsonHandler(ctx: FileContext): ChunkHandler {
  const reader = new JsonArrayItems('items', {
    item(text, line) {
      const o = parseJsonObject(text);
      if (!o) return ctx.bad(line, 'invalid JSON', text);
      const r = parseEventObject(o);
      if (!r.ok) return ctx.bad(line, r.reason, text);
      const v = r.value;
      const rec = ctx.record(line, JSON.stringify(o), v.atMs, 'events', v.severity, v.message, v.fields, v.host);
      ctx.addLog(rec, true);
    },
    tooLarge(line, head) {
      ctx.bad(line, 'Event larger than 16 MiB', head);
    },
  });
  return {
    chunk(text) {
      reader.push(text);
    },
    end() {
      ctx.report.lines = reader.lines;
      if (!reader.found) {
        ctx.report.status = 'degraded';
        ctx.report.message = 'no "items" array found in the events document';
      }
    },
  };
}

export const eventsJsonParser: FormatParser = { zone: 'none', chunks: createEventsJsonHandler };
