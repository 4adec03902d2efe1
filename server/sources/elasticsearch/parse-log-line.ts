/**
 * The text of one shipped log line (Fluent Bit's `log`) as severity, message and fields, the way the
 * file source reads the same line: zap JSON (etcd, components logging JSON), klog, CoreDNS, text.
 */
import type { Severity } from '../../../correlators/signals/index.js';

export interface ParsedLine {
  severity: Severity;
  message: string;
  fields: Record<string, string | number | boolean>;
  /** The line's own time when it carries a full one (zap `ts`). */
  atMs?: number;
  format: 'json' | 'klog' | 'coredns' | 'text';
}

const ZAP_LEVELS: Record<string, Severity> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', dpanic: 'fatal', panic: 'fatal', fatal: 'fatal' };
const KLOG_LEVELS: Record<string, Severity> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ ([^\]\s]+)\] (.*)$/s;
const COREDNS = /^\[(INFO|WARNING|ERROR|FATAL|DEBUG)\] (.*)$/s;

function flatten(v: unknown): string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
}

/** klog's structured tail: `"msg" key="value" key2=value2`. */
export function parseKlogMessage(text: string): { message: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  let message = text;
  let rest = '';
  if (text.startsWith('"')) {
    const end = findQuoteEnd(text, 0);
    if (end > 0) {
      message = unquote(text.slice(0, end + 1));
      rest = text.slice(end + 1);
    }
  } else {
    return { message: text, fields };
  }
  const re = /\s*([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/gy;
  for (let m = re.exec(rest); m; m = re.exec(rest)) fields[m[1]!] = m[2]!.startsWith('"') ? unquote(m[2]!) : m[2]!;
  return { message, fields };
}

function findQuoteEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function unquote(q: string): string {
  try {
    return JSON.parse(q) as string;
  } catch {
    return q.slice(1, -1);
  }
}

export function parseLogLine(line: string): ParsedLine {
  const text = line.replace(/\r?\n$/, '');
  if (text.startsWith('{')) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const fields: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(o)) if (!['level', 'msg', 'ts', 'message', 'severity'].includes(k) && v !== null && v !== undefined) fields[k] = flatten(v);
      const level = String(o['level'] ?? o['severity'] ?? 'info').toLowerCase();
      const out: ParsedLine = { severity: ZAP_LEVELS[level] ?? 'info', message: String(o['msg'] ?? o['message'] ?? ''), fields, format: 'json' };
      const ts = o['ts'];
      if (typeof ts === 'number') out.atMs = ts > 1e12 ? ts : ts * 1000;
      return out;
    } catch {
      // not JSON after all: fall through to text
    }
  }
  const k = KLOG.exec(text);
  if (k) {
    const { message, fields } = parseKlogMessage(k[3]!);
    return { severity: KLOG_LEVELS[k[1]!] ?? 'info', message, fields: { ...fields, caller: k[2]! }, format: 'klog' };
  }
  const c = COREDNS.exec(text);
  if (c) {
    const sev: Record<string, Severity> = { INFO: 'info', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal', DEBUG: 'debug' };
    return { severity: sev[c[1]!] ?? 'info', message: c[2]!, fields: {}, format: 'coredns' };
  }
  return { severity: 'info', message: text, fields: {}, format: 'text' };
}
