/**
 * Container runtime log files: Docker json-file (`{"log":"…\n","stream":"stderr","time":"…"}`) and
 * CRI (`2026-11-28T02:34:54.123456789Z stderr F …`). Partial lines (CRI `P`, Docker entries without
 * a trailing newline) are joined per stream; the payload is parsed by its own format, and its time
 * is used when it has a full date (zap), else the runtime's.
 * @see https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md
 */
import type { Component } from '../../../correlators/signals/index.js';
import { parseIsoTimestampMs } from './civil-time.js';
import { counted, type FileContext } from './file-context.js';
import type { FormatParser, LineHandler, SniffResult } from './line-handler.js';
import { parseJsonObject } from './parse-json-log.js';
import { parsePayload } from './parse-payload.js';
import { isContinuation, PendingRecord } from './pending-record.js';
import { MAX_LINE_BYTES } from './read-text.js';

const CRI_RE = /^(\S+) (stdout|stderr) ([PF])(?: (.*))?$/s;

export function isCriLine(text: string): boolean {
  const m = CRI_RE.exec(text);
  return m !== null && /^\d{4}-\d\d-\d\dT/.test(m[1] ?? '');
}

export function isDockerJsonLine(text: string): boolean {
  return text.startsWith('{') && text.includes('"log":') && text.includes('"time":');
}

interface Partial {
  text: string;
  atMs: number;
  lineNo: number;
  raw: string;
}

function createContainerHandler(ctx: FileContext, sniff: SniffResult): LineHandler {
  const docker = sniff.format === 'docker-json';
  const pending = new PendingRecord(ctx);
  const partial = new Map<string, Partial>();
  const fileComponent: Component | undefined = ctx.hints.component ?? sniff.component;
  const host = ctx.hints.host ?? ctx.hints.pod;
  let joinedTooLong = 0;

  const emit = (payloadText: string, wrapperMs: number, stream: string, lineNo: number, raw: string): void => {
    const payload = parsePayload(payloadText);
    if (payload.kind === 'bad') return ctx.bad(lineNo, payload.reason, raw);
    if (payload.kind === 'text' && isContinuation(payloadText) && pending.append(payloadText, stream)) return;
    const atMs = payload.kind === 'klog' ? wrapperMs : payload.atMs ?? wrapperMs;
    const component = fileComponent ?? payload.component ?? 'other';
    pending.hold(ctx.record(lineNo, raw, atMs, component, payload.severity, payload.message, { stream, ...payload.fields }, host), stream);
  };

  const take = (text: string, atMs: number, stream: string, complete: boolean, lineNo: number, raw: string): void => {
    const prev = partial.get(stream);
    const joined = prev ? prev.text + text : text;
    const first = prev ?? { atMs, lineNo, raw };
    if (!complete && joined.length < MAX_LINE_BYTES) {
      partial.set(stream, { text: joined, atMs: first.atMs, lineNo: first.lineNo, raw: first.raw });
      return;
    }
    if (!complete) joinedTooLong++;
    partial.delete(stream);
    emit(joined, first.atMs, stream, first.lineNo, first.raw);
  };

  return {
    line(text, lineNo) {
      if (!text) return;
      if (docker) {
        const o = parseJsonObject(text);
        if (!o) return ctx.bad(lineNo, 'invalid JSON', text);
        if (typeof o.log !== 'string' || typeof o.time !== 'string') return ctx.bad(lineNo, 'Docker log entry without "log" or "time"', text);
        const atMs = parseIsoTimestampMs(o.time);
        if (atMs === undefined) return ctx.bad(lineNo, `invalid timestamp "${o.time.slice(0, 60)}"`, text);
        const stream = typeof o.stream === 'string' ? o.stream : 'stdout';
        const complete = o.log.endsWith('\n');
        const body = complete ? o.log.slice(0, o.log.endsWith('\r\n') ? -2 : -1) : o.log;
        return take(body, atMs, stream, complete, lineNo, text);
      }
      const m = CRI_RE.exec(text);
      if (!m) return ctx.bad(lineNo, 'not a CRI log line', text);
      const atMs = parseIsoTimestampMs(m[1] ?? '');
      if (atMs === undefined) return ctx.bad(lineNo, `invalid timestamp "${(m[1] ?? '').slice(0, 60)}"`, text);
      take(m[4] ?? '', atMs, m[2] ?? 'stdout', m[3] === 'F', lineNo, text);
    },
    end() {
      // a partial line at the end of the file is still a line
      for (const [stream, p] of partial) emit(p.text, p.atMs, stream, p.lineNo, p.raw);
      partial.clear();
      pending.end();
      if (joinedTooLong > 0) ctx.limit(`${counted(joinedTooLong, 'partial line', 'partial lines')} cut at 1 MiB while joining`);
    },
  };
}

export const containerLogParser: FormatParser = { zone: 'none', lines: createContainerHandler };
