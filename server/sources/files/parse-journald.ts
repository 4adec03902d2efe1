/**
 * journalctl output: `short` (`Nov 28 02:34:54 node-1 kubelet[812]: <payload>`, no year and the
 * local zone of the machine that ran journalctl), `short-precise` (fraction) and `short-iso`
 * (`2026-11-28T02:34:54+0900 …`, zone written). `journalctl -k` gives `kernel:` lines. The payload
 * may be klog (its time is read in the same zone as the prefix, it is more precise) or a JSON line
 * (k3s embeds etcd's zap logger).
 * @see https://www.freedesktop.org/software/systemd/man/latest/journalctl.html (--output=short)
 */
import type { Component } from '../../../correlators/signals/index.js';
import { fixedOffsetZone, fractionDigitsToMs, monthFromAbbrev, parseIsoTimestampMs, utcCivilMs } from './civil-time.js';
import type { FileContext } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import { componentFromProgram } from './log-vocabulary.js';
import { parsePayload } from './parse-payload.js';
import { isContinuation, PendingRecord } from './pending-record.js';

const SHORT_RE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (\S+) ([^\s[:]+?)(?:\[(\d+)\])?: ?(.*)$/s;
const ISO_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)) (\S+) ([^\s[:]+?)(?:\[(\d+)\])?: ?(.*)$/s;
/** A klog time this far from its journald prefix is not trusted (a replayed or buffered line). */
const MAX_PAYLOAD_DRIFT_MS = 24 * 3600_000;

export function isJournaldLine(text: string): boolean {
  return SHORT_RE.test(text) || ISO_RE.test(text);
}

/** `-- Logs begin at …`, `-- Boot 1a2b… --`, `-- No entries --`: journalctl's own markers. */
export function isJournalMarker(text: string): boolean {
  return text.startsWith('-- ') && (text.endsWith(' --') || text.startsWith('-- Logs begin') || text.startsWith('-- Journal begins'));
}

interface Prefix {
  /** Wall-clock ms read as UTC (short) or real ms (short-iso). */
  ms: number;
  wall: boolean;
  host: string;
  program: string;
  pid: string | undefined;
  payload: string;
}

function parsePrefix(text: string, yearOf: (mo: number, d: number) => number): Prefix | { error: string } | undefined {
  let m = SHORT_RE.exec(text);
  if (m) {
    const mo = monthFromAbbrev(m[1] ?? '');
    const d = Number(m[2]);
    if (mo === 0) return undefined;
    const frac = m[6] ? fractionDigitsToMs(m[6], 0, m[6].length) : 0;
    const ms = utcCivilMs(yearOf(mo, d), mo, d, Number(m[3]), Number(m[4]), Number(m[5]), frac);
    if (Number.isNaN(ms)) return { error: 'invalid journald timestamp' };
    return { ms, wall: true, host: m[7] ?? '', program: m[8] ?? '', pid: m[9], payload: m[10] ?? '' };
  }
  m = ISO_RE.exec(text);
  if (m) {
    const ms = parseIsoTimestampMs(m[1] ?? '');
    if (ms === undefined) return { error: 'invalid journald timestamp' };
    return { ms, wall: false, host: m[2] ?? '', program: m[3] ?? '', pid: m[4], payload: m[5] ?? '' };
  }
  return undefined;
}

function journaldWallTimeOf(text: string, ctx: FileContext): number | undefined {
  const p = parsePrefix(text, ctx.yearOf);
  return p && !('error' in p) && p.wall ? p.ms : undefined;
}

function createJournaldHandler(ctx: FileContext): LineHandler {
  const zone = ctx.zone?.zone ?? fixedOffsetZone(0);
  const pending = new PendingRecord(ctx);
  return {
    line(text, lineNo) {
      if (!text || isJournalMarker(text)) return;
      const p = parsePrefix(text, ctx.yearOf);
      if (p === undefined) {
        if (!(isContinuation(text) && pending.append(text))) ctx.bad(lineNo, 'not a journald line', text);
        return;
      }
      if ('error' in p) return ctx.bad(lineNo, p.error, text);
      const prefixMs = p.wall ? zone.toUtcMs(p.ms) : p.ms;
      const key = `${p.host}\u0000${p.program}\u0000${p.pid ?? ''}`;
      const payload = parsePayload(p.payload);
      if (payload.kind === 'text' && isContinuation(p.payload) && pending.append(p.payload, key)) return;
      let atMs = prefixMs;
      if (payload.kind === 'klog') {
        const h = payload.header;
        const wall = utcCivilMs(ctx.yearOf(h.month, h.day), h.month, h.day, h.hour, h.minute, h.second, h.fracMs);
        // the same zone as the prefix when the prefix is wall-clock; with short-iso, the prefix's offset
        const offsetMs = p.wall ? p.ms - prefixMs : 0;
        const t = p.wall ? wall - offsetMs : undefined;
        if (t !== undefined && !Number.isNaN(t) && Math.abs(t - prefixMs) < MAX_PAYLOAD_DRIFT_MS) atMs = t;
      } else if (payload.kind !== 'bad' && payload.atMs !== undefined) atMs = payload.atMs;
      // the program decides, not the file name: a kubelet journal also holds systemd's and the kernel's lines
      const component: Component = componentFromProgram(p.program) ?? (payload.kind === 'bad' ? undefined : payload.component) ?? 'other';
      const base = { program: p.program, ...(p.pid ? { pid: Number(p.pid) } : {}) };
      if (payload.kind === 'bad') {
        // the journald line is fine; only its payload looked like JSON and was not
        pending.hold(ctx.record(lineNo, text, atMs, component, 'info', p.payload, base, p.host), key);
        return;
      }
      pending.hold(ctx.record(lineNo, text, atMs, component, payload.severity, payload.message, { ...base, ...payload.fields }, p.host), key);
    },
    end() {
      pending.end();
    },
  };
}

export const journaldParser: FormatParser = { zone: 'infer', wallTimeOf: journaldWallTimeOf, lines: createJournaldHandler };
