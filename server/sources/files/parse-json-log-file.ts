/**
 * Files of JSON log lines: etcd 3.5 zap logs (`etcd-zap-json`) and the JSON format of other
 * components (`json-log`). Host from the file name (`etcd-cp-2.log` -> `cp-2`).
 */
import type { Component } from '../../../correlators/signals/index.js';
import type { FileContext } from './file-context.js';
import type { FormatParser, LineHandler, SniffResult } from './line-handler.js';
import { componentFromCaller, componentFromLogger } from './log-vocabulary.js';
import { parseJsonLogLine } from './parse-json-log.js';

function createJsonLogHandler(ctx: FileContext, sniff: SniffResult): LineHandler {
  const fileComponent: Component | undefined = sniff.format === 'etcd-zap-json' ? 'etcd' : ctx.hints.component ?? sniff.component;
  const host = ctx.hints.host;
  return {
    line(text, lineNo) {
      if (!text) return;
      const r = parseJsonLogLine(text);
      if (!r.ok) return ctx.bad(lineNo, r.reason, text);
      const v = r.value;
      if (v.atMs === undefined) return ctx.bad(lineNo, 'JSON line without a timestamp', text);
      const component = fileComponent ?? componentFromLogger(v.logger) ?? componentFromCaller(v.caller) ?? 'other';
      ctx.addLog(ctx.record(lineNo, text, v.atMs, component, v.severity, v.message, v.fields, host));
    },
    end() {},
  };
}

export const jsonLogParser: FormatParser = { zone: 'none', lines: createJsonLogHandler };
