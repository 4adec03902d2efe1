/**
 * Exports what the run's Prometheus scraped as OpenMetrics text with timestamps: the raw samples
 * of each family (an instant query of `family[window]`) with the type Prometheus' metadata gives,
 * one MetricPoint per label set and scrape, histogram buckets in `le` order then `_count`, `_sum`,
 * ending in `# EOF`. The result loads with `promtool tsdb create-blocks-from openmetrics`.
 * @see https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
 */
import { writeFile } from 'node:fs/promises';
import { requestJson } from './http-json.js';

interface PromVectorItem {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** `GET /api/v1/query` at `atMs`; the result items (vector or matrix). */
export async function queryProm(promPort: number, promql: string, atMs: number): Promise<PromVectorItem[]> {
  const q = new URLSearchParams({ query: promql, time: (atMs / 1000).toFixed(3) });
  const body = (await requestJson(promPort, 'GET', `/api/v1/query?${q.toString()}`, undefined, 30_000)) as { status?: string; data?: { result?: PromVectorItem[] } };
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${promql}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.data?.result ?? [];
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: Record<string, string>): string {
  const items = Object.entries(labels)
    .filter(([k]) => k !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return items.length ? `{${items.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

/** Order of a sample inside one histogram MetricPoint: buckets by `le`, then _count, then _sum. */
function sampleOrder(name: string, labels: Record<string, string>, histogram: boolean): number {
  if (!histogram) return 0;
  if (name.endsWith('_bucket')) return labels['le'] === '+Inf' ? 1e300 : Number(labels['le']);
  return name.endsWith('_count') ? 2e300 : 3e300;
}

/**
 * Writes `families` (names without `_total`/`_bucket` suffixes, as Prometheus' metadata keys them)
 * from `fromMs` to `toMs` to `file`. Returns the number of samples written per family.
 */
export async function exportOpenMetrics(promPort: number, fromMs: number, toMs: number, families: string[], file: string): Promise<Record<string, number>> {
  const meta = ((await requestJson(promPort, 'GET', '/api/v1/metadata', undefined, 30_000)) as { data?: Record<string, { type?: string; help?: string }[]> }).data ?? {};
  const windowS = Math.ceil((toMs - fromMs) / 1000) + 1;
  const out: string[] = [];
  const counts: Record<string, number> = {};
  for (const family of families) {
    const m = meta[family]?.[0] ?? {};
    const type = m.type ?? 'unknown';
    const histogram = type === 'histogram';
    // OpenMetrics names a counter family without `_total`; its samples keep it
    const familyName = type === 'counter' && family.endsWith('_total') ? family.slice(0, -'_total'.length) : family;
    const selector = histogram ? `{__name__=~"${family}_(bucket|count|sum)"}` : family;
    const series = await queryProm(promPort, `${selector}[${windowS}s]`, toMs);
    if (series.length === 0) continue;
    out.push(`# TYPE ${familyName} ${type}`);
    if (m.help) out.push(`# HELP ${familyName} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    // label set (without le) -> timestamp -> samples
    const points = new Map<string, Map<number, { order: number; line: string }[]>>();
    let n = 0;
    for (const s of series) {
      const name = s.metric['__name__'] ?? family;
      const { le: _le, __name__: _n, ...rest } = s.metric;
      const key = labelText(rest);
      const byTime = points.get(key) ?? new Map<number, { order: number; line: string }[]>();
      points.set(key, byTime);
      for (const [t, v] of s.values ?? []) {
        if (t * 1000 < fromMs) continue;
        const list = byTime.get(t) ?? [];
        byTime.set(t, list);
        list.push({ order: sampleOrder(name, s.metric, histogram), line: `${name}${labelText(s.metric)} ${v} ${t.toFixed(3)}` });
        n++;
      }
    }
    for (const key of [...points.keys()].sort()) {
      const byTime = points.get(key)!;
      for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
        for (const s of byTime.get(t)!.sort((a, b) => a.order - b.order)) out.push(s.line);
      }
    }
    counts[family] = n;
  }
  out.push('# EOF');
  await writeFile(file, `${out.join('\n')}\n`);
  return counts;
}
