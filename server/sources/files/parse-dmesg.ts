/**
 * `dmesg -T` kernel messages: `[Sat Nov 28 02:34:54 2026] Out of memory: Killed process …`, in the
 * local zone of the node (inferred per file). Plain `dmesg` writes seconds since boot, which
 * nothing in a bundle places in time: the sniffer reports such files instead of reading them.
 */
import { fixedOffsetZone, monthFromAbbrev, utcCivilMs } from './civil-time.js';
import type { FileContext } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import { isContinuation, PendingRecord } from './pending-record.js';

const DMESG_T_RE = /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\] ?(.*)$/s;
const DMESG_MONOTONIC_RE = /^\[\s*\d+\.\d+\] /;

export function isDmesgLine(text: string): boolean {
  return DMESG_T_RE.test(text);
}

export function isDmesgMonotonicLine(text: string): boolean {
  return DMESG_MONOTONIC_RE.test(text);
}

function wallMs(m: RegExpExecArray): number {
  const mo = monthFromAbbrev(m[1] ?? '');
  return mo === 0 ? NaN : utcCivilMs(Number(m[6]), mo, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

function dmesgWallTimeOf(text: string): number | undefined {
  const m = DMESG_T_RE.exec(text);
  const t = m ? wallMs(m) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

function createDmesgHandler(ctx: FileContext): LineHandler {
  const zone = ctx.zone?.zone ?? fixedOffsetZone(0);
  const pending = new PendingRecord(ctx);
  return {
    line(text, lineNo) {
      if (!text) return;
      const m = DMESG_T_RE.exec(text);
      if (!m) {
        if (!(isContinuation(text) && pending.append(text))) ctx.bad(lineNo, 'not a dmesg -T line', text);
        return;
      }
      const t = wallMs(m);
      if (Number.isNaN(t)) return ctx.bad(lineNo, 'invalid dmesg timestamp', text);
      pending.hold(ctx.record(lineNo, text, zone.toUtcMs(t), 'kernel', 'info', m[7] ?? '', {}, ctx.hints.host));
    },
    end() {
      pending.end();
    },
  };
}

export const dmesgParser: FormatParser = { zone: 'infer', wallTimeOf: dmesgWallTimeOf, lines: createDmesgHandler };
