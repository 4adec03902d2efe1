/**
 * The line inside a wrapper (journald prefix, Docker json-file, CRI, `kubectl logs --prefix`): klog,
 * a JSON log line, etcd 3.4 text, a CoreDNS line, or free text. Only lines with a full date carry
 * their own time (`atMs`); klog has no year and no zone, so its wrapper decides.
 */
import type { Component, Severity } from '../../../correlators/signals/index.js';
import type { RecordFields } from './file-context.js';
import { componentFromCaller, componentFromLogger } from './log-vocabulary.js';
import { parseEtcdTextLine } from './parse-etcd-text.js';
import { parseJsonLogLine } from './parse-json-log.js';
import { klogMessageFields, parseKlogHeader, type KlogHeader } from './parse-klog.js';
import { parseCorednsPayload } from './parse-coredns.js';

export type Payload =
  | { kind: 'klog'; header: KlogHeader; severity: Severity; message: string; fields: RecordFields; component?: Component }
  | { kind: 'json' | 'etcd-text' | 'coredns' | 'text'; atMs?: number; severity: Severity; message: string; fields: RecordFields; component?: Component }
  | { kind: 'bad'; reason: string };

export function parsePayload(text: string): Payload {
  const c = text.charCodeAt(0);
  if (c === 123) {
    const j = parseJsonLogLine(text);
    if (!j.ok) return { kind: 'bad', reason: j.reason };
    const v = j.value;
    const p: Payload = { kind: 'json', severity: v.severity, message: v.message, fields: v.fields };
    if (v.atMs !== undefined) p.atMs = v.atMs;
    const comp = componentFromLogger(v.logger) ?? componentFromCaller(v.caller);
    if (comp) p.component = comp;
    return p;
  }
  const h = parseKlogHeader(text);
  if (h?.ok) {
    const { message, fields } = klogMessageFields(h.value);
    const p: Payload = { kind: 'klog', header: h.value, severity: h.value.severity, message, fields };
    const comp = componentFromCaller(h.value.caller);
    if (comp) p.component = comp;
    return p;
  }
  if (c === 91) {
    const d = parseCorednsPayload(text);
    if (d) return { kind: 'coredns', severity: d.severity, message: d.message, fields: d.fields, component: 'coredns' };
  }
  if (c >= 48 && c <= 57) {
    const e = parseEtcdTextLine(text, undefined);
    if (e?.ok) return { kind: 'etcd-text', atMs: e.value.atMs, severity: e.value.severity, message: e.value.message, fields: e.value.fields, component: 'etcd' };
  }
  return { kind: 'text', severity: 'info', message: text, fields: {} };
}
