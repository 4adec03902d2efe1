/**
 * CoreDNS lines: `[ERROR] plugin/errors: 2 example.com. A: read udp …: i/o timeout` and the query
 * log `[INFO] 10.244.0.5:38867 - 51539 "A IN example.com. udp 29 false 512" NOERROR qr,aa,rd 104 0.000142s`.
 * @see https://coredns.io/plugins/log/ (query log line layout)
 */
import type { Severity } from '../../../correlators/signals/index.js';
import type { RecordFields } from './file-context.js';

const TAG_RE = /^\[(INFO|WARNING|WARN|ERROR|FATAL|DEBUG)\] ?(.*)$/s;
const QUERY_RE = /^(\S+) - (\d+) "(\S+) (\S+) (\S+) (\S+)[^"]*" (\S+) (\S+) (\d+) ([\d.]+)s$/;
/** `kubectl logs --prefix` */
export const KUBECTL_PREFIX_RE = /^\[pod\/([^/\]]+)\/([^\]]+)\] /;
/** `kubectl logs --timestamps` */
export const KUBECTL_TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)) /;
const SEVERITY: Record<string, Severity> = { INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error', FATAL: 'fatal', DEBUG: 'debug' };

export function parseCorednsPayload(text: string): { severity: Severity; message: string; fields: RecordFields } | undefined {
  const m = TAG_RE.exec(text);
  if (!m) return undefined;
  const message = m[2] ?? '';
  const fields: RecordFields = {};
  const plugin = /^plugin\/([\w-]+):/.exec(message);
  if (plugin?.[1]) fields.plugin = plugin[1];
  const q = QUERY_RE.exec(message);
  if (q) {
    fields.client = q[1] ?? '';
    fields.qtype = q[3] ?? '';
    fields.qname = q[5] ?? '';
    fields.rcode = q[7] ?? '';
    fields.durationS = Number(q[10]);
  }
  return { severity: SEVERITY[m[1] ?? 'INFO'] ?? 'info', message, fields };
}

export function isKubectlLogsLine(text: string): boolean {
  return KUBECTL_PREFIX_RE.test(text);
}

export function isCorednsLine(text: string): boolean {
  const rest = KUBECTL_TS_RE.exec(text);
  return TAG_RE.test(rest ? text.slice(rest[0].length) : text);
}
