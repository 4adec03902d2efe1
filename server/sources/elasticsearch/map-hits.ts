/**
 * Search hits into normalised records: audit samples, log records from container logs, and log
 * records from Kubernetes Events, with the fields the file source gives for the same data. Each hit
 * is checked; one that cannot be used comes back as `{ ok: false, reason }`.
 */
import { z } from 'zod';
import { logRecordSchema, type AuditSample, type Component, type LogRecord } from '../../../correlators/signals/index.js';
import { parseLogLine } from './parse-log-line.js';
import type { AuditField, EventField, FieldMap, LogField } from './presets.js';
import { readNumber, readString, readTimeMs } from './read-field.js';

export const hitSchema = z.object({
  _index: z.string(),
  _id: z.string(),
  _source: z.record(z.string(), z.unknown()),
});
export type Hit = z.infer<typeof hitSchema>;

export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };

const RAW_MAX = 1000;

export function mapAuditSample(hit: Hit, fields: FieldMap<AuditField>, zone: string): Mapped<AuditSample> {
  const s = hit._source;
  const atMs = readTimeMs(s, fields.timestamp, zone);
  if (atMs === undefined) return { ok: false, reason: `no valid time in ${fields.timestamp ?? '(no timestamp field)'}` };
  let latencyMs = readNumber(s, fields.latencyMs);
  if (latencyMs === undefined) {
    const done = readTimeMs(s, fields.completed ?? fields.timestamp, zone);
    const received = readTimeMs(s, fields.received, zone);
    latencyMs = done !== undefined && received !== undefined ? done - received : Number.NaN;
  }
  const code = readNumber(s, fields.code);
  const sample: AuditSample = { atMs, latencyMs, verb: readString(s, fields.verb) ?? '', code: code ?? 0, raw: JSON.stringify(s).slice(0, RAW_MAX), file: hit._index };
  const opt: [keyof AuditSample, string | undefined][] = [
    ['resource', readString(s, fields.resource)],
    ['namespace', readString(s, fields.namespace)],
    ['userAgent', readString(s, fields.userAgent)],
    ['username', readString(s, fields.username)],
    ['message', readString(s, fields.message)],
  ];
  for (const [k, v] of opt) if (v !== undefined) (sample as unknown as Record<string, unknown>)[k] = v;
  return { ok: true, value: sample };
}

/** Container name (or pod name prefix) -> component. */
const CONTAINER_COMPONENTS: [RegExp, Component][] = [
  [/^etcd/, 'etcd'],
  [/^kube-apiserver/, 'kube-apiserver'],
  [/^kube-controller-manager/, 'kube-controller-manager'],
  [/^kube-scheduler/, 'kube-scheduler'],
  [/^kubelet/, 'kubelet'],
  [/^coredns/, 'coredns'],
  [/^(calico|cilium|flannel|kube-flannel|weave|aws-node)/, 'cni'],
  // a node's kernel messages (OOM killer), shipped from the journal by a systemd input
  [/^kernel$/, 'kernel'],
];

export function componentOf(container: string | undefined, pod: string | undefined): Component {
  for (const name of [container, pod]) {
    if (!name) continue;
    for (const [re, c] of CONTAINER_COMPONENTS) if (re.test(name)) return c;
  }
  return 'other';
}

/**
 * One container log line. Its `sourceId` names its clock: every host stamps its own lines, so each
 * container on each host is its own source for clock alignment (`elasticsearch:logs/etcd@cp-1`), as
 * each file is for the file source; one id for the whole index would average the hosts' skews.
 */
export function mapLogHit(hit: Hit, fields: FieldMap<LogField>, zone: string, sourceId = `elasticsearch:${hit._index}`): Mapped<LogRecord> {
  const s = hit._source;
  const text = readString(s, fields.message);
  if (text === undefined) return { ok: false, reason: `no ${fields.message ?? 'message'} field` };
  const line = parseLogLine(text);
  const atMs = readTimeMs(s, fields.timestamp, zone) ?? line.atMs;
  if (atMs === undefined) return { ok: false, reason: `no valid time in ${fields.timestamp ?? '(no timestamp field)'}` };
  const level = readString(s, fields.level)?.toLowerCase();
  const severity = level === 'warning' ? 'warn' : level && ['debug', 'info', 'warn', 'error', 'fatal'].includes(level) ? (level as LogRecord['severity']) : line.severity;
  const container = readString(s, fields.container);
  const pod = readString(s, fields.pod);
  const host = readString(s, fields.host);
  const record: LogRecord = {
    atMs,
    sourceId: `${sourceId}/${container || pod || 'unknown'}${host ? `@${host}` : ''}`,
    component: componentOf(container, pod),
    severity,
    message: line.message,
    fields: line.fields,
    file: hit._index,
    line: 0,
    raw: text.slice(0, RAW_MAX),
  };
  if (host) record.host = host;
  return check(record);
}

/** One Event object; `sourceId` names the index as configured (one clock: the API server stamps Events). */
export function mapEventHit(hit: Hit, fields: FieldMap<EventField>, zone: string, sourceId = `elasticsearch:${hit._index}`): Mapped<LogRecord> {
  const s = hit._source;
  const lastMs = readTimeMs(s, fields.lastTimestamp, zone);
  const atMs = readTimeMs(s, fields.timestamp, zone) ?? readTimeMs(s, fields.eventTime, zone) ?? lastMs;
  if (atMs === undefined) return { ok: false, reason: 'event without firstTimestamp, eventTime or lastTimestamp' };
  const type = readString(s, fields.type) ?? 'Normal';
  const f: Record<string, string | number | boolean> = { type };
  const put = (k: string, v: string | number | undefined): void => {
    if (v !== undefined && v !== '') f[k] = v;
  };
  put('reason', readString(s, fields.reason));
  put('objectKind', readString(s, fields.objectKind));
  put('objectName', readString(s, fields.objectName));
  put('namespace', readString(s, fields.namespace));
  put('count', readNumber(s, fields.count));
  put('lastMs', lastMs);
  put('sourceComponent', readString(s, fields.reportingComponent));
  const record: LogRecord = {
    atMs,
    sourceId,
    component: 'events',
    severity: type === 'Warning' ? 'warn' : 'info',
    message: readString(s, fields.message) ?? '',
    fields: f,
    file: hit._index,
    line: 0,
    raw: JSON.stringify(s).slice(0, RAW_MAX),
  };
  const host = readString(s, fields.host);
  if (host) {
    f['host'] = host;
    record.host = host;
  }
  return check(record);
}

function check(record: LogRecord): Mapped<LogRecord> {
  const p = logRecordSchema.safeParse(record);
  return p.success ? { ok: true, value: record } : { ok: false, reason: p.error.issues[0]?.message ?? 'invalid record' };
}
