/**
 * kube-apiserver audit logs (JSON lines of `audit.k8s.io/v1` Events), folded into an AuditAggregate:
 * no record is kept. Metadata-level lines (no request/response objects) are read by field
 * extraction without JSON.parse: the few fields needed are found by `indexOf` on their keys, which
 * occur once in such a line. Other levels, escapes in a value, or any surprise go through JSON.parse.
 * Only notable requests (errors, 429, 410, slow) are parsed whole, to keep them as samples.
 * @see https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event
 */
import type { AuditSample } from '../../../correlators/signals/index.js';
import { AuditAggregator, sampleKind } from './audit-aggregate.js';
import { parseIsoTimestampMs } from './civil-time.js';
import type { FileContext } from './file-context.js';
import { counted, MAX_RAW_CHARS, wasWere } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
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
 * Finds keys in a line in the order the apiserver writes them (Go struct order), each search
 * starting where the previous one ended, so a line is scanned about once; a key not found ahead
 * is looked for from the start (another writer, another order).
 */
class KeyCursor {
  pos = 0;
  constructor(private readonly line: string) {}

  /** Index just after `key`, or -1. */
  find(key: string): number {
    let i = this.line.indexOf(key, this.pos);
    if (i >= 0) {
      this.pos = i + key.length;
      return this.pos;
    }
    if (this.pos > 0) i = this.line.indexOf(key);
    return i < 0 ? -1 : i + key.length;
  }

  /** The string value after `key` (which ends with `"`): undefined when absent, null when escaped (slow path). */
  string(key: string): string | undefined | null {
    const s = this.find(key);
    if (s < 0) return undefined;
    const e = this.line.indexOf('"', s);
    if (e < 0) return null;
    const v = this.line.slice(s, e);
    if (e > this.pos) this.pos = e + 1;
    return v.indexOf('\\') >= 0 ? null : v;
  }
}

const LATENCY_ANNOTATION = /"apiserver\.latency\.k8s\.io\/([^"\\]+)":/g;

function latencyAnnotationsOf(line: string, from: number): string[] {
  let ann = line.indexOf('"annotations":{', from);
  if (ann < 0 && from > 0) ann = line.indexOf('"annotations":{');
  if (ann < 0) return [];
  const start = line.indexOf('"apiserver.latency.k8s.io/', ann);
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
  if (k.find('"audit.k8s.io/') < 0) return undefined;
  if (k.string('"level":"') !== 'Metadata') return undefined;
  const stage = k.string('"stage":"');
  if (stage === null) return undefined;
  let watch = false;
  const u = k.find('"requestURI":"');
  if (u >= 0) {
    const e = stringEnd(line, u);
    if (e < 0) return undefined;
    watch = isWatchUri(line.slice(u, e));
    k.pos = e + 1;
  }
  const verb = k.string('"verb":"');
  if (verb === null || verb === undefined) return undefined;
  if (verb === 'watch') watch = true;
  const ua = k.string('"userAgent":"');
  if (ua === null) return undefined;
  let code: number | undefined;
  const rs = k.find('"responseStatus":{');
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
  const recvTs = k.string('"requestReceivedTimestamp":"');
  const stageTs = k.string('"stageTimestamp":"');
  if (!stageTs || recvTs === null) return undefined;
  const atMs = parseIsoTimestampMs(stageTs);
  if (atMs === undefined) return undefined;
  const receivedMs = recvTs === undefined ? undefined : parseIsoTimestampMs(recvTs);
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

/** Stages that end a request; RequestReceived / ResponseStarted would count it twice. */
function isFinalStage(stage: string | undefined): boolean {
  return stage === undefined || stage === 'ResponseComplete' || stage === 'Panic';
}

function createAuditHandler(ctx: FileContext): LineHandler {
  const agg = new AuditAggregator(ctx.sourceId, ctx.window, ctx.hints.host);
  let otherStages = 0;
  return {
    line(text, lineNo) {
      if (!text) return;
      const r = parseAuditLine(text);
      if (!r.ok) return ctx.bad(lineNo, r.reason, text);
      const a = r.value;
      ctx.report.records++;
      ctx.seen(a.atMs);
      if (!isFinalStage(a.stage)) {
        otherStages++;
        return;
      }
      const latencyMs = a.receivedMs === undefined ? undefined : a.atMs - a.receivedMs;
      if (!agg.add(a.atMs, a.verb, a.code, a.userAgent, a.watch ? undefined : latencyMs)) return;
      for (const name of a.latencyAnnotations) agg.addAnnotation(name);
      const kind = sampleKind(a.code ?? 0, a.watch ? undefined : latencyMs);
      if (kind && agg.wantSample(kind)) agg.addSample(buildAuditSample(text, a, latencyMs ?? 0, ctx.sourceId, lineNo));
    },
    end() {
      ctx.audit.push(agg.build());
      if (agg.outside > 0) ctx.limit(`${counted(agg.outside, 'audit event', 'audit events')} outside the analysis window ${wasWere(agg.outside)} not aggregated`);
      if (otherStages > 0) ctx.limit(`${counted(otherStages, 'audit event', 'audit events')} at a stage other than ResponseComplete ${wasWere(otherStages)} not counted`);
      if (agg.agentsOverflow) ctx.limit('more than 10000 user agents: the rest are counted as "(other user agents)"');
    },
  };
}

export const auditParser: FormatParser = { zone: 'none', lines: createAuditHandler };
