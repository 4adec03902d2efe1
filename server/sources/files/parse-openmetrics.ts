/**
 * OpenMetrics text with timestamps (`x_total{…} 123 1778364884.816`, seconds; `# EOF` at the end)
 * and the Prometheus text exposition format (timestamps in ms). Samples feed a {@link MetricDeriver};
 * families outside the catalogue are counted and named in the report, not kept.
 * @see https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import { MetricDeriver, type RawSeries } from './derive-metrics.js';
import { counted, wasWere, type FileContext } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import type { ParseResult } from './parse-json-log.js';

export interface RawSample {
  name: string;
  /** The label block as written, `{…}` or empty: the raw series' identity. */
  labelText: string;
  value: number;
  /** Epoch ms, or undefined when the line has no timestamp. */
  tMs: number | undefined;
}

export function isMetricLine(text: string): boolean {
  if (text.startsWith('# TYPE ') || text.startsWith('# HELP ') || text.startsWith('# UNIT ') || text === '# EOF') return true;
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+[-+]?([0-9.]+([eE][-+]?\d+)?|Inf|NaN)(\s+[-+]?[0-9.]+([eE][-+]?\d+)?)?\s*(#.*)?$/.test(text);
}

function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  return s === '' ? NaN : v;
}

function isNameChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (!first && c >= 48 && c <= 57);
}

/**
 * Where the series identity of a sample line ends: after the label block of `name{…}`, or at the
 * space after a bare `name`; -1 when neither can be found (parseSampleLine says why). `name` and
 * the label block are a function of `text.slice(0, end)`, which is what makes it a cache key.
 */
function seriesEnd(text: string): number {
  const brace = text.indexOf('{');
  const space = text.indexOf(' ');
  if (brace > 0 && (space < 0 || brace < space)) {
    // the label block ends at the last `}` unless an exemplar (` # {…}`) follows
    let j = text.indexOf(' # {') < 0 ? text.lastIndexOf('}') : -1;
    if (j < 0) {
      const n = text.length;
      let inStr = false;
      for (j = brace + 1; j < n; j++) {
        const c = text.charCodeAt(j);
        if (inStr) {
          if (c === 92) j++;
          else if (c === 34) inStr = false;
        } else if (c === 34) inStr = true;
        else if (c === 125) break;
      }
      if (j >= n) return -1;
    }
    return j + 1;
  }
  return space;
}

/** What {@link parseTail} read: one object, reused, so that a sample line allocates no result. */
const tail = { value: 0, tMs: undefined as number | undefined };

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * The value, optional timestamp and optional exemplar (` # {…} 1 123`) after the series identity
 * ending at `i`, into {@link tail}; the reason when malformed.
 */
function parseTail(text: string, i: number): string | undefined {
  const n = text.length;
  if (!isBlank(text.charCodeAt(i))) return 'malformed sample line';
  while (i < n && isBlank(text.charCodeAt(i))) i++;
  let e = i;
  while (e < n && !isBlank(text.charCodeAt(e))) e++;
  if (e === i) return 'malformed sample line';
  const valueText = text.slice(i, e);
  while (e < n && isBlank(text.charCodeAt(e))) e++;
  let tsText: string | undefined;
  if (e < n && text.charCodeAt(e) !== 35) {
    let f = e;
    while (f < n && !isBlank(text.charCodeAt(f))) f++;
    tsText = text.slice(e, f);
    while (f < n && isBlank(text.charCodeAt(f))) f++;
    if (f < n && text.charCodeAt(f) !== 35) return 'malformed sample line';
  }
  const value = parseValue(valueText);
  if (Number.isNaN(value) && valueText !== 'NaN') return `invalid sample value "${valueText.slice(0, 40)}"`;
  let tMs: number | undefined;
  if (tsText !== undefined) {
    const ts = Number(tsText);
    if (!Number.isFinite(ts)) return `invalid timestamp "${tsText.slice(0, 40)}"`;
    // OpenMetrics writes seconds, the Prometheus text format milliseconds
    tMs = Math.round(Math.abs(ts) < 1e11 ? ts * 1000 : ts);
  }
  tail.value = value;
  tail.tMs = tMs;
  return undefined;
}

/** One sample line, or why it is malformed. Scanned by hand: metric files run to millions of lines. */
export function parseSampleLine(text: string): ParseResult<RawSample> {
  if (!isNameChar(text.charCodeAt(0), true)) return { ok: false, reason: 'malformed sample line' };
  const end = seriesEnd(text);
  if (end < 0) return { ok: false, reason: text.indexOf('{') > 0 && (text.indexOf(' ') < 0 || text.indexOf('{') < text.indexOf(' ')) ? 'unterminated label set' : 'malformed sample line' };
  const brace = text.indexOf('{');
  const hasLabels = brace > 0 && brace < end;
  const name = hasLabels ? text.slice(0, brace) : text.slice(0, end);
  const labelText = hasLabels ? text.slice(brace, end) : '';
  for (let k = 1; k < name.length; k++) if (!isNameChar(name.charCodeAt(k), false)) return { ok: false, reason: 'malformed sample line' };
  const reason = parseTail(text, end);
  if (reason !== undefined) return { ok: false, reason };
  return { ok: true, value: { name, labelText, value: tail.value, tMs: tail.tMs } };
}

/** `{a="x",b="y\"z"}` to a record; undefined when malformed. */
export function parseLabels(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (!text) return out;
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  const body = text.slice(1, -1);
  re.lastIndex = 0;
  while (re.lastIndex < body.length) {
    const start = re.lastIndex;
    const m = re.exec(body);
    if (!m) return body.slice(start).trim() === '' ? out : undefined;
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

const SUFFIXES = /_(total|bucket|sum|count|created|gsum|gcount|info)$/;

function createOpenMetricsHandler(ctx: FileContext): LineHandler {
  const deriver = new MetricDeriver(ctx.sourceId, (t) => {
    if (ctx.inKeptRange(t)) return true;
    ctx.dropOutside();
    return false;
  });
  const types = new Map<string, string>();
  // per metric name: its family and declared type (a # TYPE line later in the file starts a new cache)
  const names = new Map<string, { family: string; declared: string | undefined }>();
  // by series identity (`name{…}` as written): the deriver's raw series, once a line named it
  const bySeries = new Map<string, RawSeries>();
  let labelsBad = false;
  const parseLabelsOrFlag = (text: string): Record<string, string> => {
    const l = parseLabels(text);
    if (!l) labelsBad = true;
    return l ?? {};
  };
  let openMetrics = false;
  let eof = false;
  let untimed = 0;
  return {
    line(text, lineNo) {
      if (!text) return;
      if (text.charCodeAt(0) === 35) {
        if (text === '# EOF') {
          eof = true;
          openMetrics = true;
          return;
        }
        const t = /^# (TYPE|UNIT) (\S+) (\S+)/.exec(text);
        if (t?.[1] === 'TYPE') {
          types.set(t[2]!, t[3]!);
          names.clear();
        }
        if (t?.[1] === 'UNIT') openMetrics = true;
        return;
      }
      if (eof) return ctx.bad(lineNo, 'line after # EOF', text);
      // a series seen before: one lookup of its identity, no name check, no label parsing
      const end = seriesEnd(text);
      const known = end > 0 ? bySeries.get(text.slice(0, end)) : undefined;
      if (known !== undefined && parseTail(text, end) === undefined) {
        const tMs = tail.tMs;
        if (tMs === undefined) {
          untimed++;
          return;
        }
        ctx.report.records++;
        ctx.seen(tMs);
        deriver.add(known, tail.value, tMs);
        return;
      }
      const parsed = parseSampleLine(text);
      if (!parsed.ok) return ctx.bad(lineNo, parsed.reason, text);
      const s = parsed.value;
      if (s.tMs === undefined) {
        untimed++;
        return;
      }
      ctx.report.records++;
      ctx.seen(s.tMs);
      let nameInfo = names.get(s.name);
      if (!nameInfo) {
        const family = types.has(s.name) ? s.name : s.name.replace(SUFFIXES, '');
        nameInfo = { family, declared: types.get(s.name) ?? types.get(family) };
        names.set(s.name, nameInfo);
      }
      labelsBad = false;
      const series = deriver.series(s.name, s.labelText, parseLabelsOrFlag, nameInfo.declared, nameInfo.family);
      bySeries.set(s.name + s.labelText, series);
      deriver.add(series, s.value, s.tMs);
      if (labelsBad) ctx.bad(lineNo, 'malformed label set', text);
    },
    end() {
      ctx.report.format = openMetrics ? 'openmetrics' : 'prometheus-text';
      ctx.series.push(...deriver.finish(ctx.sourceId));
      reportUnknown(ctx, deriver.unknownFamilies);
      if (untimed > 0) ctx.limit(`${counted(untimed, 'sample', 'samples')} without a timestamp ${wasWere(untimed)} skipped (a single scrape cannot be placed in time)`);
    },
  };
}

export function reportUnknown(ctx: FileContext, families: Set<string>): void {
  if (families.size === 0) return;
  const names = [...families].sort();
  const shown = names.slice(0, 10).join(', ');
  ctx.report.message = `${names.length} ${names.length === 1 ? 'family' : 'families'} not in the catalogue: ${shown}${names.length > 10 ? ', …' : ''}`;
}

export const openMetricsParser: FormatParser = { zone: 'none', lines: createOpenMetricsHandler };
