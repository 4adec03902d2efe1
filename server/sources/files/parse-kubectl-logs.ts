/**
 * `kubectl logs --timestamps --prefix` output:
 * `[pod/coredns-…/coredns] 2026-05-09T22:15:17.606523368Z [ERROR] plugin/errors: …`, and plain
 * CoreDNS lines with or without the timestamp. The prefix and timestamp also wrap other
 * components' lines (klog, zap JSON), which are parsed as such.
 */
import type { Component } from '../../../correlators/signals/index.js';
import { parseIsoTimestampMs, utcCivilMs } from './civil-time.js';
import { counted, wasWere, type FileContext } from './file-context.js';
import type { FormatParser, LineHandler, SniffResult } from './line-handler.js';
import { KUBECTL_PREFIX_RE as PREFIX_RE, KUBECTL_TS_RE as TS_RE } from './parse-coredns.js';
import { hintsFromPath } from './path-hints.js';
import { parsePayload } from './parse-payload.js';
import { isContinuation, PendingRecord } from './pending-record.js';

function createKubectlLogsHandler(ctx: FileContext, sniff: SniffResult): LineHandler {
  const pending = new PendingRecord(ctx);
  const klogZone = ctx.zone?.zone;
  const podHints = new Map<string, { component?: Component; host?: string }>();
  let lastMs: number | undefined;
  let untimed = 0;
  return {
    line(text, lineNo) {
      if (!text) return;
      let rest = text;
      let pod: string | undefined;
      const p = PREFIX_RE.exec(rest);
      if (p) {
        pod = p[1];
        rest = rest.slice(p[0].length);
      }
      let wrapperMs: number | undefined;
      const t = TS_RE.exec(rest);
      if (t?.[1]) {
        wrapperMs = parseIsoTimestampMs(t[1]);
        if (wrapperMs === undefined) return ctx.bad(lineNo, `invalid timestamp "${t[1]}"`, text);
        rest = rest.slice(t[0].length);
      }
      const payload = parsePayload(rest);
      if (payload.kind === 'bad') return ctx.bad(lineNo, payload.reason, text);
      if (payload.kind === 'text' && isContinuation(rest) && pending.append(rest, pod)) return;
      let atMs = payload.kind === 'klog' ? undefined : payload.atMs;
      if (atMs === undefined && payload.kind === 'klog' && wrapperMs === undefined) {
        const h = payload.header;
        const wall = utcCivilMs(ctx.yearOf(h.month, h.day), h.month, h.day, h.hour, h.minute, h.second, h.fracMs);
        if (Number.isNaN(wall)) return ctx.bad(lineNo, 'invalid klog timestamp', text);
        atMs = klogZone ? klogZone.toUtcMs(wall) : wall;
      }
      atMs ??= wrapperMs ?? lastMs;
      if (atMs === undefined) {
        // plain `kubectl logs` output without --timestamps: nothing places these lines in time
        untimed++;
        return;
      }
      lastMs = atMs;
      let ph = pod === undefined ? undefined : podHints.get(pod);
      if (pod !== undefined && !ph) {
        ph = hintsFromPath(pod);
        podHints.set(pod, ph);
      }
      const component = ctx.hints.component ?? ph?.component ?? payload.component ?? sniff.component ?? 'other';
      const fields = payload.fields;
      if (pod !== undefined) fields.pod = pod;
      // "host = pod name if no node is known": a CoreDNS replica is the unit that fails
      const host = ctx.hints.host ?? ph?.host ?? pod ?? ctx.hints.pod;
      pending.hold(ctx.record(lineNo, text, atMs, component, payload.severity, payload.message, fields, host), pod);
    },
    end() {
      pending.end();
      if (untimed > 0) ctx.limit(`${counted(untimed, 'line', 'lines')} without a timestamp ${wasWere(untimed)} skipped (use kubectl logs --timestamps)`);
    },
  };
}

export const kubectlLogsParser: FormatParser = { zone: 'option', lines: createKubectlLogsHandler };
