/**
 * klog text logs (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet):
 * `E1128 02:34:54.123456       1 file.go:123] msg key="value"`. No year (taken from the window) and
 * no zone (the process's local time: inferred per file, UTC when it fits). Lines without a header
 * (`Trace[123]:` steps, multi-line values) continue the previous record. JSON lines in the same
 * file (the etcd client inside kube-apiserver logs zap JSON) are parsed as such.
 * @see https://github.com/kubernetes/klog/blob/main/internal/buffer/buffer.go (FormatHeader)
 */
import type { Component, Severity } from '../../../correlators/signals/index.js';
import { fixedOffsetZone, fractionDigitsToMs, utcCivilMs } from './civil-time.js';
import type { FileContext, RecordFields } from './file-context.js';
import type { FormatParser, LineHandler, SniffResult } from './line-handler.js';
import { componentFromCaller, componentFromLogger, severityFromLetter } from './log-vocabulary.js';
import { parseKlogMessage } from './parse-klog-fields.js';
import { parseJsonLogLine, type ParseResult } from './parse-json-log.js';
import { PendingRecord } from './pending-record.js';

export interface KlogHeader {
  severity: Severity;
  month: number;
  day: number;
  /** Wall-clock ms of the time of day (hours..fraction), to add to the date. */
  hour: number;
  minute: number;
  second: number;
  fracMs: number;
  caller: string;
  /** The text after `] `. */
  rest: string;
}

const KLOG_RE = /^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?\s+(\d+) ([^\]\s]*)\] ?/;
const KLOG_LIKE = /^[IWEF]\d{4} \d/;

export function isKlogLine(text: string): boolean {
  return KLOG_LIKE.test(text);
}

/** The klog header of a line; `undefined` when the line has none at all. */
export function parseKlogHeader(text: string): ParseResult<KlogHeader> | undefined {
  const c = text.charCodeAt(0);
  if (c !== 73 && c !== 87 && c !== 69 && c !== 70) return undefined;
  const m = KLOG_RE.exec(text);
  if (!m) return KLOG_LIKE.test(text) ? { ok: false, reason: 'malformed klog header' } : undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return { ok: false, reason: `invalid klog date ${m[2]}${m[3]}` };
  return {
    ok: true,
    value: {
      severity: severityFromLetter(m[1] ?? 'I') ?? 'info',
      month,
      day,
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      fracMs: m[7] ? fractionDigitsToMs(m[7], 0, m[7].length) : 0,
      caller: m[9] ?? '',
      rest: text.slice(m[0].length),
    },
  };
}

/** Wall-clock ms (read as UTC) of a klog header, the year taken from the window. */
export function klogWallMs(h: KlogHeader, yearOf: (mo: number, d: number) => number): number {
  return utcCivilMs(yearOf(h.month, h.day), h.month, h.day, h.hour, h.minute, h.second, h.fracMs);
}

export function klogWallTimeOf(text: string, ctx: FileContext): number | undefined {
  const h = parseKlogHeader(text);
  if (!h?.ok) return undefined;
  const t = klogWallMs(h.value, ctx.yearOf);
  return Number.isNaN(t) ? undefined : t;
}

/** Structured message and fields of a klog line, with `caller`. */
export function klogMessageFields(h: KlogHeader): { message: string; fields: RecordFields } {
  const { message, fields } = parseKlogMessage(h.rest);
  if (h.caller) fields.caller = h.caller;
  return { message, fields };
}

function createKlogHandler(ctx: FileContext, sniff: SniffResult): LineHandler {
  const zone = ctx.zone?.zone ?? fixedOffsetZone(0);
  const pending = new PendingRecord(ctx);
  const fileComponent: Component | undefined = ctx.hints.component ?? sniff.component;
  const host = ctx.hints.host;
  return {
    line(text, lineNo) {
      if (text.length === 0) return;
      if (text.charCodeAt(0) === 123) {
        const j = parseJsonLogLine(text);
        if (!j.ok) return ctx.bad(lineNo, j.reason, text);
        const v = j.value;
        if (v.atMs === undefined) return ctx.bad(lineNo, 'JSON line without a timestamp', text);
        const component = fileComponent ?? componentFromLogger(v.logger) ?? componentFromCaller(v.caller) ?? 'other';
        pending.hold(ctx.record(lineNo, text, v.atMs, component, v.severity, v.message, v.fields, host));
        return;
      }
      const h = parseKlogHeader(text);
      if (h === undefined) {
        if (!pending.append(text)) ctx.bad(lineNo, 'not a klog line', text);
        return;
      }
      if (!h.ok) return ctx.bad(lineNo, h.reason, text);
      const wall = klogWallMs(h.value, ctx.yearOf);
      if (Number.isNaN(wall)) return ctx.bad(lineNo, 'invalid klog timestamp', text);
      const { message, fields } = klogMessageFields(h.value);
      const component = fileComponent ?? componentFromCaller(h.value.caller) ?? 'other';
      pending.hold(ctx.record(lineNo, text, zone.toUtcMs(wall), component, h.value.severity, message, fields, host));
    },
    end() {
      pending.end();
    },
  };
}

export const klogParser: FormatParser = { zone: 'infer', wallTimeOf: klogWallTimeOf, lines: createKlogHandler };
