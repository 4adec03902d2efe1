/**
 * `iostat -x -t` text (sysstat). Each report: a timestamp line (strftime `%x %X` of the collector's
 * locale: C `11/28/26 02:34:54`, en_US `11/28/2026 02:34:54 AM`, de_DE `28.11.2026 02:34:54`, or
 * S_TIME_FORMAT=ISO `2026-11-28T02:34:54+0000`), an `avg-cpu` block and a `Device` block. Columns are
 * read by header name: sysstat 10/11 write `await`, 12 `r_await`/`w_await`, some locales decimal
 * commas. Without `-y` the first report averages since boot: dropped when more follow.
 * @see https://github.com/sysstat/sysstat/blob/master/iostat.c (write_ext_stat)
 */
import type { Series } from '../../../correlators/signals/index.js';
import { IOSTAT_METRICS } from '../../../correlators/signals/index.js';
import { parseIsoTimestampMs, utcCivilMs } from './civil-time.js';
import type { FileContext } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';

const HEADER_RE = /^Linux \S+ \(([^)]+)\)/;
const ISO_RE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(Z|[+-]\d\d:?\d\d)?$/;
const SLASH_RE = /^(\d\d)\/(\d\d)\/(\d\d|\d{4}) (\d\d):(\d\d):(\d\d)(?: ?([AaPp][Mm]))?$/;
const DOT_RE = /^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)$/;

/** CPU shares iostat prints beside the catalogue's idle / iowait ids. */
const CPU_COLUMNS: Record<string, string> = {
  '%idle': IOSTAT_METRICS.cpuIdle,
  '%iowait': IOSTAT_METRICS.cpuIowait,
  '%user': 'node_cpu_user_ratio',
  '%system': 'node_cpu_system_ratio',
  '%steal': 'node_cpu_steal_ratio',
};

/** Device columns: metric id, the column names that give it (newest sysstat first), scale to the metric's unit. */
const DEVICE_COLUMNS: { metric: string; names: string[]; scale: number }[] = [
  { metric: IOSTAT_METRICS.util, names: ['%util'], scale: 0.01 },
  { metric: IOSTAT_METRICS.wAwait, names: ['w_await', 'await'], scale: 0.001 },
  { metric: IOSTAT_METRICS.rAwait, names: ['r_await', 'await'], scale: 0.001 },
  { metric: IOSTAT_METRICS.writesPerS, names: ['w/s'], scale: 1 },
];

export function isIostatHeader(text: string): boolean {
  return HEADER_RE.test(text);
}

type Stamp = { ms: number; wall: boolean } | undefined;

/** A report's timestamp line; `wall` when it has no zone. */
export function parseIostatTimestamp(text: string, window: { fromMs: number; toMs: number }): Stamp {
  const t = text.trim();
  let m = ISO_RE.exec(t);
  if (m) {
    if (m[7]) {
      const ms = parseIsoTimestampMs(t);
      return ms === undefined ? undefined : { ms, wall: false };
    }
    const ms = utcCivilMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    return Number.isNaN(ms) ? undefined : { ms, wall: true };
  }
  m = SLASH_RE.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    let h = Number(m[4]);
    const ampm = m[7]?.toUpperCase();
    if (ampm) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (ampm === 'PM' ? 12 : 0);
    }
    const mi = Number(m[5]);
    const s = Number(m[6]);
    // %x is MM/DD in C and en_US, DD/MM in en_GB and others: the reading that exists and lies nearer the window wins
    const md = utcCivilMs(y, a, b, h, mi, s);
    const dm = utcCivilMs(y, b, a, h, mi, s);
    const dist = (x: number): number => (Number.isNaN(x) ? Infinity : x < window.fromMs ? window.fromMs - x : x > window.toMs ? x - window.toMs : 0);
    const ms = dist(dm) < dist(md) ? dm : md;
    return Number.isNaN(ms) ? undefined : { ms, wall: true };
  }
  m = DOT_RE.exec(t);
  if (m) {
    const ms = utcCivilMs(Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    return Number.isNaN(ms) ? undefined : { ms, wall: true };
  }
  return undefined;
}

function iostatWallTimeOf(text: string, ctx: FileContext): number | undefined {
  const c = text.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  const s = parseIostatTimestamp(text, ctx.window);
  return s?.wall ? s.ms : undefined;
}

function num(s: string | undefined): number {
  return s === undefined ? NaN : Number(s.replace(',', '.'));
}

interface Report {
  atMs: number;
  lineNo: number;
  points: { metric: string; device?: string; v: number }[];
}

function createIostatHandler(ctx: FileContext): LineHandler {
  const zone = ctx.zone?.zone;
  let host = ctx.hints.host;
  let block: 'none' | 'cpu' | 'device' = 'none';
  let cpuCols: string[] = [];
  let devCols: string[] = [];
  let current: Report | undefined;
  let first: Report | undefined;
  let reports = 0;
  let untimed = 0;
  const series = new Map<string, { metric: string; device?: string; t: number[]; v: number[] }>();

  const emit = (r: Report): void => {
    if (!ctx.inKeptRange(r.atMs)) {
      ctx.dropOutside();
      return;
    }
    for (const p of r.points) {
      const key = `${p.metric}\u0000${p.device ?? ''}`;
      let s = series.get(key);
      if (!s) {
        s = { metric: p.metric, t: [], v: [] };
        if (p.device !== undefined) s.device = p.device;
        series.set(key, s);
      }
      s.t.push(r.atMs);
      s.v.push(p.v);
    }
  };
  const close = (): void => {
    if (!current) return;
    reports++;
    ctx.report.records++;
    ctx.seen(current.atMs);
    // the first report (since boot) is held back until we know another follows
    if (reports === 1) first = current;
    else emit(current);
    current = undefined;
  };

  return {
    line(text, lineNo) {
      const t = text.trim();
      if (!t) {
        block = 'none';
        return;
      }
      const header = HEADER_RE.exec(t);
      if (header) {
        host ??= header[1];
        return;
      }
      if (t.startsWith('avg-cpu:')) {
        cpuCols = t.slice(8).trim().split(/\s+/);
        block = 'cpu';
        if (!current) untimed++;
        return;
      }
      if (/^Device:?\s/.test(t) || /\sDevice$/.test(t)) {
        devCols = t.split(/\s+/).map((c) => c.replace(/:$/, ''));
        block = 'device';
        return;
      }
      const c = t.charCodeAt(0);
      if (c >= 48 && c <= 57 && block !== 'cpu') {
        const s = parseIostatTimestamp(t, ctx.window);
        if (s) {
          close();
          const atMs = s.wall && zone ? zone.toUtcMs(s.ms) : s.ms;
          current = { atMs, lineNo, points: [] };
          block = 'none';
          return;
        }
      }
      if (block === 'cpu') {
        const vals = t.split(/\s+/);
        if (vals.length !== cpuCols.length) return ctx.bad(lineNo, 'avg-cpu values do not match the header', text);
        cpuCols.forEach((col, i) => {
          const metric = CPU_COLUMNS[col];
          const v = num(vals[i]);
          if (metric && current && Number.isFinite(v)) current.points.push({ metric, v: v / 100 });
        });
        block = 'none';
        return;
      }
      if (block === 'device') {
        const vals = t.split(/\s+/);
        if (vals.length !== devCols.length) return ctx.bad(lineNo, 'device row does not match the Device header', text);
        const device = vals[devCols.indexOf('Device')];
        if (!current || device === undefined) return;
        for (const d of DEVICE_COLUMNS) {
          const idx = d.names.map((n) => devCols.indexOf(n)).find((i) => i >= 0);
          if (idx === undefined) continue;
          const v = num(vals[idx]);
          if (Number.isFinite(v)) current.points.push({ metric: d.metric, device, v: v * d.scale });
        }
        return;
      }
      ctx.bad(lineNo, 'not an iostat line', text);
    },
    end() {
      close();
      // a lone report is all there is; with more, the first only averages since boot
      if (reports === 1 && first) emit(first);
      else if (reports > 1) ctx.limit('first iostat report dropped: it averages since boot');
      if (untimed > 0 && reports === 0) {
        ctx.report.status = 'degraded';
        ctx.report.message = 'iostat reports without timestamps (run iostat with -t)';
      }
      const out: Series[] = [];
      for (const s of series.values()) {
        const labels: Record<string, string> = s.device !== undefined ? { device: s.device } : {};
        const col = s.device !== undefined ? DEVICE_COLUMNS.find((d) => d.metric === s.metric)?.names[0] : Object.keys(CPU_COLUMNS).find((k) => CPU_COLUMNS[k] === s.metric);
        const item: Series = {
          sourceId: ctx.sourceId,
          metric: s.metric,
          component: 'node',
          labels,
          origin: `iostat -x ${col ?? s.metric}${s.device !== undefined ? ` of ${s.device}` : ''}${host ? ` on ${host}` : ''}`,
          t: s.t,
          v: s.v,
          file: ctx.sourceId,
        };
        if (host !== undefined) item.host = host;
        out.push(item);
      }
      ctx.series.push(...out);
    },
  };
}

export const iostatParser: FormatParser = { zone: 'infer', wallTimeOf: iostatWallTimeOf, lines: createIostatHandler };
