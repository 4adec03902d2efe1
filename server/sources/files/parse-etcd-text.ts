/**
 * etcd before 3.5 (capnslog): `2018-03-05 10:00:00.123456 W | etcdserver: read-only range request … took too long`.
 * The time has no zone: UTC unless --tz says otherwise (etcd containers run in UTC).
 */
import type { Severity } from '../../../correlators/signals/index.js';
import { fractionDigitsToMs, utcCivilMs, type WallClockZone } from './civil-time.js';
import type { FileContext, RecordFields } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import { severityFromLetter } from './log-vocabulary.js';
import type { ParseResult } from './parse-json-log.js';
import { isContinuation, PendingRecord } from './pending-record.js';

const ETCD_TEXT_RE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([A-Z]) \| (.*)$/s;

export interface EtcdTextLine {
  atMs: number;
  severity: Severity;
  message: string;
  fields: RecordFields;
}

export function isEtcdTextLine(text: string): boolean {
  return ETCD_TEXT_RE.test(text);
}

/** Undefined when the line is not in this format; `zone` defaults to UTC. */
export function parseEtcdTextLine(text: string, zone: WallClockZone | undefined): ParseResult<EtcdTextLine> | undefined {
  const m = ETCD_TEXT_RE.exec(text);
  if (!m) return undefined;
  const frac = m[7] ? fractionDigitsToMs(m[7], 0, m[7].length) : 0;
  const wall = utcCivilMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), frac);
  if (Number.isNaN(wall)) return { ok: false, reason: 'invalid timestamp' };
  const message = m[9] ?? '';
  const fields: RecordFields = {};
  // capnslog prefixes the package: "etcdserver: ...", "rafthttp: ..."
  const pkg = /^([a-z0-9/_-]+): /.exec(message);
  if (pkg?.[1]) fields.pkg = pkg[1];
  return {
    ok: true,
    value: { atMs: zone ? zone.toUtcMs(wall) : wall, severity: severityFromLetter(m[8] ?? 'I') ?? 'info', message, fields },
  };
}

function createEtcdTextHandler(ctx: FileContext): LineHandler {
  // UTC unless --tz: this format is not inferred (etcd images run in UTC)
  const zone = ctx.zone?.zone;
  const pending = new PendingRecord(ctx);
  return {
    line(text, lineNo) {
      if (!text) return;
      const r = parseEtcdTextLine(text, zone);
      if (r === undefined) {
        if (!(isContinuation(text) && pending.append(text))) ctx.bad(lineNo, 'not an etcd log line', text);
        return;
      }
      if (!r.ok) return ctx.bad(lineNo, r.reason, text);
      const v = r.value;
      pending.hold(ctx.record(lineNo, text, v.atMs, 'etcd', v.severity, v.message, v.fields, ctx.hints.host));
    },
    end() {
      pending.end();
    },
  };
}

export const etcdTextParser: FormatParser = { zone: 'option', lines: createEtcdTextHandler };

