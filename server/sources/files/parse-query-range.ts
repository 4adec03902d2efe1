/**
 * Prometheus HTTP API `query_range` responses (`{"status":"success","data":{"resultType":"matrix",
 * "result":[{"metric":{…},"values":[[ts,"v"],…]}]}}`), streamed result by result. A raw series
 * (with `__name__`) of a catalogue family is derived like OpenMetrics samples; a PromQL result has
 * no `__name__`, so its metric id is read from the file name (`etcd_wal_fsync_p99_s.json`).
 * @see https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries
 */
import {
  hostFromLabels,
  HOST_LABELS,
  IOSTAT_METRICS,
  JOB_COMPONENTS,
  METRICS,
  type Component,
  type Series,
} from '../../../correlators/signals/index.js';
import { MetricDeriver } from './derive-metrics.js';
import type { FileContext } from './file-context.js';
import { JsonArrayItems } from './json-array-items.js';
import type { ChunkHandler, FormatParser } from './line-handler.js';
import { parseJsonObject } from './parse-json-log.js';
import { reportUnknown } from './parse-openmetrics.js';

interface KnownId {
  id: string;
  component: Component;
}

const KNOWN_IDS: KnownId[] = [
  ...METRICS.map((d) => ({ id: d.id, component: d.component })),
  ...Object.values(IOSTAT_METRICS).map((id) => ({ id, component: 'node' as Component })),
]
  // the longest id first: `etcd_wal_fsync_p99_s` must not be read as a shorter one it contains
  .sort((a, b) => b.id.length - a.id.length);

/** The catalogue id a file name names, if any. */
export function metricIdFromFileName(sourceId: string): KnownId | undefined {
  const base = (sourceId.split('/').pop() ?? '').toLowerCase();
  return KNOWN_IDS.find((k) => base.includes(k.id.toLowerCase()));
}

function point(v: unknown): [number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const t = Number(v[0]);
  const x = v[1] === '+Inf' ? Infinity : v[1] === '-Inf' ? -Infinity : Number(v[1]);
  if (!Number.isFinite(t) || typeof v[1] !== 'string') return undefined;
  return [Math.round(t * 1000), x];
}

function createQueryRangeHandler(ctx: FileContext): ChunkHandler {
  const deriver = new MetricDeriver(ctx.sourceId, (t) => {
    if (ctx.inKeptRange(t)) return true;
    ctx.dropOutside();
    return false;
  });
  const fromName = metricIdFromFileName(ctx.sourceId);
  const direct: Series[] = [];
  let unnamed = 0;
  const reader = new JsonArrayItems('data.result', {
    item(text, line) {
      const o = parseJsonObject(text);
      const metric = o?.metric;
      if (!o || metric === null || typeof metric !== 'object' || Array.isArray(metric)) return ctx.bad(line, 'invalid result (expected {"metric":{…},"values":[…]})', text.slice(0, 200));
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(metric as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
      const raw = Array.isArray(o.values) ? o.values : o.value !== undefined ? [o.value] : [];
      const points: [number, number][] = [];
      for (const p of raw) {
        const x = point(p);
        if (x) points.push(x);
        else ctx.bad(line, 'invalid sample (expected [unix seconds, "value"])', JSON.stringify(p).slice(0, 200));
      }
      points.sort((a, b) => a[0] - b[0]);
      ctx.report.records += points.length;
      for (const [t] of points) ctx.seen(t);
      const name = labels.__name__;
      if (name !== undefined) {
        const { __name__: _, ...rest } = labels;
        const key = `${name}${JSON.stringify(Object.entries(rest).sort())}`;
        for (const [t, v] of points) deriver.sample(name, key, () => rest, v, t);
        return;
      }
      if (!fromName) {
        unnamed++;
        return;
      }
      const kept = points.filter(([t]) => ctx.inKeptRange(t));
      ctx.dropOutside(points.length - kept.length);
      const own: Record<string, string> = {};
      for (const [k, v] of Object.entries(labels)) if (k !== 'job' && !(HOST_LABELS as readonly string[]).includes(k)) own[k] = v;
      const s: Series = {
        sourceId: ctx.sourceId,
        metric: fromName.id,
        component: (labels.job !== undefined ? JOB_COMPONENTS[labels.job] : undefined) ?? fromName.component,
        labels: own,
        origin: `query_range result ${JSON.stringify(labels)} (metric named by the file name)`,
        t: kept.map((p) => p[0]),
        v: kept.map((p) => p[1]),
        file: ctx.sourceId,
      };
      const host = hostFromLabels(labels);
      if (host !== undefined) s.host = host;
      direct.push(s);
    },
    tooLarge(line, head) {
      ctx.bad(line, 'result larger than 16 MiB', head);
    },
  });
  return {
    chunk(text) {
      reader.push(text);
    },
    end() {
      ctx.report.lines = reader.lines;
      if (reader.scalars.get('status') === 'error') {
        ctx.report.status = 'failed';
        ctx.report.message = `query_range error: ${reader.scalars.get('error') ?? reader.scalars.get('errorType') ?? 'unknown'}`;
        return;
      }
      const type = reader.scalars.get('data.resultType');
      if (type !== undefined && type !== 'matrix' && type !== 'vector') {
        ctx.report.status = 'degraded';
        ctx.report.message = `resultType "${type}" is not a matrix`;
        return;
      }
      ctx.series.push(...deriver.finish(ctx.sourceId), ...direct);
      reportUnknown(ctx, deriver.unknownFamilies);
      if (unnamed > 0) {
        const note = `${unnamed} series skipped: no __name__ and the file name names no catalogue metric id`;
        ctx.report.message = ctx.report.message ? `${ctx.report.message}; ${note}` : note;
        if (direct.length === 0 && ctx.series.length === 0) ctx.report.status = 'degraded';
      }
    },
  };
}

export const queryRangeParser: FormatParser = { zone: 'none', chunks: createQueryRangeHandler };
