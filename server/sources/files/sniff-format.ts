/**
 * Recognises a file's format by its content: the first non-empty lines each vote for the format
 * they look like, strong markers (an iostat header, a kubectl table header, a JSON document's keys)
 * decide at once. The path only breaks ties between close relatives (etcd zap vs other zap JSON)
 * and names the component.
 */
import type { Component } from '../../../correlators/signals/index.js';
import type { SniffResult } from './line-handler.js';
import { componentFromCaller } from './log-vocabulary.js';
import { classifyLine, isContinuationLike } from './sniff-lines.js';
import type { PathHints } from './path-hints.js';

const SAMPLE_LINES = 40;
/** The winning format needs this share of the sampled lines (the rest may be continuations). */
const MIN_SHARE = 0.3;

export type SniffOutcome = SniffResult | { format: 'unknown' | 'empty' | 'dmesg-monotonic'; message: string };

function documentFormat(head: string): string | undefined {
  if (/"resultType"\s*:/.test(head) || (/"status"\s*:\s*"(success|error)"/.test(head) && /"(data|errorType)"\s*:/.test(head))) return 'prometheus-query-range';
  const items = /"items"\s*:\s*\[/.test(head);
  if (items && (/"involvedObject"\s*:|"regarding"\s*:|"kind"\s*:\s*"Event"/.test(head) || /"kind"\s*:\s*"(EventList|List)"/.test(head))) return 'k8s-events-json';
  if (/"kind"\s*:\s*"EventList"/.test(head)) return 'k8s-events-json';
  return undefined;
}

/** The document format of a first line that parses as a whole object ('' when it is a plain JSON line), undefined when it does not parse. */
function firstLineIsDocument(line: string): string | undefined {
  try {
    const v: unknown = JSON.parse(line);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return '';
    const o = v as Record<string, unknown>;
    if ('items' in o || ('data' in o && 'status' in o) || ('status' in o && 'errorType' in o)) return documentFormat(line) ?? '';
    return '';
  } catch {
    return undefined;
  }
}

export function sniffFormat(head: string, truncated: boolean, hints: PathHints): SniffOutcome {
  if (head.trim() === '') return { format: 'empty', message: 'empty file' };
  if (looksBinary(head)) return { format: 'unknown', message: 'format not recognised' };
  let lines = head.split('\n');
  if (truncated && lines.length > 1) lines = lines.slice(0, -1);
  const sample = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
  const first = sample[0] ?? '';
  const trimmed = head.trimStart();
  // a JSON log line (audit with a response body may hold an EventList) is not a document
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && classifyLine(first) === undefined) {
    // a first line that is a whole object is a JSON-lines file unless it is itself the document;
    // otherwise the document spans lines (pretty-printed, or one huge line cut by the head)
    const whole = firstLineIsDocument(first);
    if (whole === undefined) {
      const d = documentFormat(head);
      if (d) return { format: d };
    } else if (whole) return { format: whole };
  }
  const votes = new Map<string, number>();
  let counted = 0;
  for (const line of sample) {
    const c = classifyLine(line);
    if (c === 'iostat' || c === 'k8s-events-table') return { format: c };
    if (c === 'neutral') continue;
    counted++;
    if (c) votes.set(c, (votes.get(c) ?? 0) + 1);
    else if (isContinuationLike(line)) counted--;
  }
  const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  const top = ranked[0];
  if (!top || top[1] < Math.max(1, counted * MIN_SHARE)) return { format: 'unknown', message: 'format not recognised' };
  const format = top[0];
  if (format === 'dmesg-monotonic') {
    return { format, message: 'kernel messages with boot-relative timestamps (dmesg without -T) cannot be placed in time' };
  }
  if (format === 'json-log') return jsonLogFlavour(sample, hints);
  if (format === 'klog') {
    const component = hints.component ?? componentByCallers(sample, (l) => /^[IWEF]\d{4} \S+\s+\d+ ([^\]\s]+)\]/.exec(l)?.[1]);
    return component ? { format, component } : { format };
  }
  return { format };
}

/** NUL bytes and undecodable bytes beyond a few garbage lines: an image, an archive, a core dump. */
function looksBinary(head: string): boolean {
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 0 || c === 0xfffd) odd++;
  }
  return odd > head.length * 0.05;
}

/** etcd's zap logs are `etcd-zap-json`; other components' JSON logs `json-log`. */
function jsonLogFlavour(sample: string[], hints: PathHints): SniffResult {
  const callerOf = (l: string): string | undefined => /"caller":"([^"]+)"/.exec(l)?.[1];
  if (hints.component === 'etcd' || sample.some((l) => /"logger":"raft"/.test(l))) return { format: 'etcd-zap-json', component: 'etcd' };
  const component = hints.component ?? componentByCallers(sample, callerOf);
  if (component === 'etcd') return { format: 'etcd-zap-json', component };
  return component ? { format: 'json-log', component } : { format: 'json-log' };
}

function componentByCallers(sample: string[], callerOf: (l: string) => string | undefined): Component | undefined {
  const votes = new Map<Component, number>();
  for (const l of sample) {
    const c = componentFromCaller(callerOf(l));
    if (c) votes.set(c, (votes.get(c) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
