/**
 * kube-apiserver audit logs (JSON lines of `audit.k8s.io/v1` Events), folded into an AuditAggregate:
 * no record is kept. Metadata-level lines (no request/response objects) are read by field
 * extraction without JSON.parse: the few fields needed are found by `indexOf` on their keys, which
 * occur once in such a line. Other levels, escapes in a value, or any surprise go through JSON.parse.
 * Only notable requests (errors, 429, 410, slow) are parsed whole, to keep them as samples. The
 * fold into an aggregate is audit-fold.ts.
 * @see https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event
 */
import type { AuditSample } from '../../../correlators/signals/index.js';
import { parseIsoTimestampAt, parseIsoTimestampMs } from './civil-time.js';
import { MAX_RAW_CHARS } from './file-context.js';
import { parseJsonObject } from './parse-json-log.js';

export interface AuditLine {
  stage: string | undefined;
  verb: string;
  code: number | undefined;
  userAgent: string | undefined;
  /** stageTimestamp: the time of the event. */
  atMs: number;
  receivedMs: number | undefined;
  watch: boolean;
  /** `apiserver.latency.k8s.io/*` annotation names. */
  latencyAnnotations: string[];
}

export type AuditParse = { ok: true; value: AuditLine } | { ok: false; reason: string };

/** Index of the quote closing a JSON string whose content starts at `from` (escapes skipped). */
function stringEnd(line: string, from: number): number {
  let i = line.indexOf('"', from);
  while (i > 0) {
    let bs = 0;
    for (let j = i - 1; j >= from && line.charCodeAt(j) === 92; j--) bs++;
    if ((bs & 1) === 0) return i;
    i = line.indexOf('"', i + 1);
  }
  return -1;
}

/**
 * A key to look for. V8's `indexOf` scans for the pattern's first character, and `"` starts every
 * JSON string, so a key that may lie far ahead is searched by a tail that starts with a rarer
 * character (`Agent":"`), and its head (`"user`) is checked in place: about 5x faster per line.
 */
interface Key {
  text: string;
  head: string;
  tail: string;
}

function key(text: string, tail: string = text): Key {
  if (!text.endsWith(tail)) throw new Error(`${tail} does not end ${text}`);
  return { text, head: text.slice(0, text.length - tail.length), tail };
}

/** First index of `k` at or after `from`, or -1. */
function indexOfKey(line: string, k: Key, from: number): number {
  const h = k.head.length;
  if (h === 0) return line.indexOf(k.text, from);
  for (let j = line.indexOf(k.tail, from + h); j >= 0; j = line.indexOf(k.tail, j + 1)) {
    let i = 0;
    while (i < h && line.charCodeAt(j - h + i) === k.head.charCodeAt(i)) i++;
    if (i === h) return j - h;
  }
  return -1;
}

const K = {
  apiVersion: key('"audit.k8s.io/', '.k8s.io/'),
  level: key('"level":"'),
  stage: key('"stage":"'),
  requestURI: key('"requestURI":"'),
  verb: key('"verb":"'),
  userAgent: key('"userAgent":"', 'Agent":"'),
  responseStatus: key('"responseStatus":{', 'Status":{'),
  requestReceived: key('"requestReceivedTimestamp":"'),
  stageTimestamp: key('"stageTimestamp":"'),
  annotations: key('"annotations":{'),
  latencyAnnotation: key('"apiserver.latency.k8s.io/', '.latency.k8s.io/'),
};

/**
 * Finds keys in a line in the order the apiserver writes them (Go struct order), each search
 * starting where the previous one ended, so a line is scanned about once; a key not found ahead
 * is looked for from the start (another writer, another order).
 */
class KeyCursor {
  pos = 0;
  constructor(private readonly line: string) {}

  /** Index just after `key`, or -1. */
  find(key: Key): number {
    let i = indexOfKey(this.line, key, this.pos);
    if (i >= 0) {
      this.pos = i + key.text.length;
      return this.pos;
    }
    if (this.pos > 0) i = indexOfKey(this.line, key, 0);
    return i < 0 ? -1 : i + key.text.length;
  }

  /**
   * The timestamp after `key` (which ends with `"`), parsed in place: undefined when absent, null
   * when escaped (slow path), NO_TIME when empty or not a valid timestamp.
   */
  timestamp(key: Key): number | undefined | null {
    const s = this.find(key);
    if (s < 0) return undefined;
    const e = this.line.indexOf('"', s);
    if (e < 0) return null;
    if (e > this.pos) this.pos = e + 1;
    const ms = parseIsoTimestampAt(this.line, s, e);
    if (ms !== undefined) return ms;
    return this.line.lastIndexOf('\\', e) >= s ? null : NO_TIME;
  }

  /** The string value after `key` (which ends with `"`): undefined when absent, null when escaped (slow path). */
  string(key: Key): string | undefined | null {
    const s = this.find(key);
    if (s < 0) return undefined;
    const e = this.line.indexOf('"', s);
    if (e < 0) return null;
    const v = this.line.slice(s, e);
    if (e > this.pos) this.pos = e + 1;
    return v.indexOf('\\') >= 0 ? null : v;
  }
}

/** A timestamp that is there but invalid. */
const NO_TIME = -Infinity;

const LATENCY_ANNOTATION = /"apiserver\.latency\.k8s\.io\/([^"\\]+)":/g;

function latencyAnnotationsOf(line: string, from: number): string[] {
  let ann = indexOfKey(line, K.annotations, from);
  if (ann < 0 && from > 0) ann = indexOfKey(line, K.annotations, 0);
  if (ann < 0) return [];
  const start = indexOfKey(line, K.latencyAnnotation, ann);
  if (start < 0) return [];
  const out: string[] = [];
  LATENCY_ANNOTATION.lastIndex = start;
  for (let m = LATENCY_ANNOTATION.exec(line); m; m = LATENCY_ANNOTATION.exec(line)) if (m[1]) out.push(m[1]);
  return out;
}

function isWatchUri(uri: string): boolean {
  return uri.indexOf('watch=true') >= 0 || uri.indexOf('watch=1') >= 0;
}

/** The fast path: undefined when the line needs JSON.parse. */
function extractFast(line: string): AuditLine | undefined {
  if (line.charCodeAt(0) !== 123 || line.charCodeAt(line.length - 1) !== 125) return undefined;
  const k = new KeyCursor(line);
  if (k.find(K.apiVersion) < 0) return undefined;
  if (k.string(K.level) !== 'Metadata') return undefined;
  const stage = k.string(K.stage);
  if (stage === null) return undefined;
  let watch = false;
  const u = k.find(K.requestURI);
  if (u >= 0) {
    const e = stringEnd(line, u);
    if (e < 0) return undefined;
    watch = isWatchUri(line.slice(u, e));
    k.pos = e + 1;
  }
  const verb = k.string(K.verb);
  if (verb === null || verb === undefined) return undefined;
  if (verb === 'watch') watch = true;
  const ua = k.string(K.userAgent);
  if (ua === null) return undefined;
  let code: number | undefined;
  const rs = k.find(K.responseStatus);
  if (rs >= 0) {
    const c = line.indexOf('"code":', rs);
    if (c < 0) return undefined;
    let n = 0;
    let i = c + 7;
    const start = i;
    for (let d = line.charCodeAt(i) - 48; d >= 0 && d <= 9; d = line.charCodeAt(++i) - 48) n = n * 10 + d;
    if (i === start) return undefined;
    code = n;
    k.pos = i;
  }
  const recv = k.timestamp(K.requestReceived);
  const atMs = k.timestamp(K.stageTimestamp);
  if (atMs === undefined || atMs === null || atMs === NO_TIME || recv === null) return undefined;
  const receivedMs = recv === undefined || recv === NO_TIME ? undefined : recv;
  return { stage, verb, code, userAgent: ua, atMs, receivedMs, watch, latencyAnnotations: latencyAnnotationsOf(line, k.pos) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function fromObject(o: Record<string, unknown>): AuditParse {
  if (o.kind !== 'Event' || !str(o.apiVersion)?.startsWith('audit.k8s.io/')) return { ok: false, reason: 'not an audit.k8s.io Event' };
  const stageTs = str(o.stageTimestamp);
  if (!stageTs) return { ok: false, reason: 'missing stageTimestamp' };
  const atMs = parseIsoTimestampMs(stageTs);
  if (atMs === undefined) return { ok: false, reason: `invalid stageTimestamp "${stageTs.slice(0, 60)}"` };
  const recv = str(o.requestReceivedTimestamp);
  const verb = str(o.verb) ?? '';
  const code = obj(o.responseStatus)?.code;
  const ann = obj(o.annotations) ?? {};
  return {
    ok: true,
    value: {
      stage: str(o.stage),
      verb,
      code: typeof code === 'number' ? code : undefined,
      userAgent: str(o.userAgent),
      atMs,
      receivedMs: recv === undefined ? undefined : parseIsoTimestampMs(recv),
      watch: verb === 'watch' || isWatchUri(str(o.requestURI) ?? ''),
      latencyAnnotations: Object.keys(ann).filter((k) => k.startsWith('apiserver.latency.k8s.io/')).map((k) => k.slice(25)),
    },
  };
}

/** Parses one audit line; never throws. */
export function parseAuditLine(line: string): AuditParse {
  const fast = extractFast(line);
  if (fast) return { ok: true, value: fast };
  const o = parseJsonObject(line);
  if (!o) return { ok: false, reason: 'invalid JSON' };
  return fromObject(o);
}

/** The sample of a notable request: the line parsed whole (rare, so JSON.parse is fine). */
export function buildAuditSample(line: string, a: AuditLine, latencyMs: number, file: string, lineNo: number): AuditSample {
  const o = parseJsonObject(line) ?? {};
  const ref = obj(o.objectRef);
  const rs = obj(o.responseStatus);
  const s: AuditSample = {
    atMs: a.atMs,
    latencyMs,
    verb: a.verb,
    code: a.code ?? 0,
    file,
    line: lineNo,
    raw: line.length > MAX_RAW_CHARS ? line.slice(0, MAX_RAW_CHARS) : line,
  };
  const resource = str(ref?.resource);
  if (resource) s.resource = str(ref?.subresource) ? `${resource}/${str(ref?.subresource)}` : resource;
  const ns = str(ref?.namespace);
  if (ns) s.namespace = ns;
  if (a.userAgent) s.userAgent = a.userAgent;
  const user = str(obj(o.user)?.username);
  if (user) s.username = user;
  const message = str(rs?.message) ?? str(rs?.reason);
  if (message) s.message = message;
  return s;
}
