/**
 * The PromQL catalogue: one query per normalised metric id of `METRICS`, derived the way the file
 * source derives the same id from OpenMetrics, so the correlators cannot tell the sources apart.
 */
import { METRICS, type Component, type MetricDef, type MetricUnit } from '../../../correlators/signals/index.js';
import { formatPromDuration } from './step.js';

export interface PromqlOptions {
  /** Range of every `rate()`. */
  rangeMs: number;
  /** Labels that name the host, kept apart by every aggregation. */
  hostLabels: readonly string[];
  /** Label whose value names the component (`JOB_COMPONENTS`). */
  jobLabel: string;
  /** Catalogue label name -> label name in this Prometheus. */
  rename: Readonly<Record<string, string>>;
}

/** One query the source runs, catalogue or user-defined. */
export interface PromQuery {
  /** Metric id of the resulting Series. */
  id: string;
  promql: string;
  component: Component;
  unit?: MetricUnit;
  /** Labels of the result kept on the Series, as the catalogue names them. */
  by: string[];
}

const labelName = (o: PromqlOptions, name: string): string => o.rename[name] ?? name;

function selector(metric: string, match: Readonly<Record<string, string>> | undefined, o: PromqlOptions): string {
  const pairs = Object.entries(match ?? {}).map(([k, v]) => `${labelName(o, k)}=${JSON.stringify(v)}`);
  return pairs.length > 0 ? `${metric}{${pairs.join(',')}}` : metric;
}

function groupBy(def: MetricDef, o: PromqlOptions, extra: string[] = []): string {
  const labels = [...o.hostLabels, o.jobLabel, ...def.by.map((b) => labelName(o, b)), ...extra];
  return `sum by (${[...new Set(labels)].join(', ')})`;
}

/**
 * The PromQL for one catalogue metric:
 * - quantile: `histogram_quantile(q, sum by (host..., job, by..., le) (rate(family_bucket[range])))`
 * - rate: `sum by (host..., job, by...) (rate(family_total[range]))`
 * - gauge: `sum by (host..., job, by...) (family)`
 * - ratio-of-rates: rate of `family_total` over rate of `denominator_total`, both summed alike
 * - cpu-mode-share: rate of `family_total{mode}` over the rate of all modes
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */
export function buildMetricPromql(def: MetricDef, o: PromqlOptions): string {
  const range = `[${formatPromDuration(o.rangeMs)}]`;
  const rateOf = (family: string, match = def.match): string => `rate(${selector(`${family}_total`, match, o)}${range})`;
  const d = def.derive;
  switch (d.kind) {
    case 'quantile':
      return `histogram_quantile(${d.q}, ${groupBy(def, o, ['le'])} (rate(${selector(`${def.family}_bucket`, def.match, o)}${range})))`;
    case 'rate':
      return `${groupBy(def, o)} (${rateOf(def.family)})`;
    case 'gauge':
      return `${groupBy(def, o)} (${selector(def.family, def.match, o)})`;
    case 'ratio-of-rates':
      return `${groupBy(def, o)} (${rateOf(def.family)}) / ${groupBy(def, o)} (${rateOf(d.denominator)})`;
    case 'cpu-mode-share':
      return `${groupBy(def, o)} (${rateOf(def.family, { ...def.match, mode: d.mode })}) / ${groupBy(def, o)} (${rateOf(def.family)})`;
  }
}

/** Catalogue queries (minus `disable`), then user queries; a user query replaces a catalogue one of the same id. */
export function buildQueryCatalogue(o: PromqlOptions, disable: readonly string[], user: readonly { id: string; promql: string; component: Component; by: string[] }[]): PromQuery[] {
  const own = new Set(user.map((u) => u.id));
  const out: PromQuery[] = [];
  for (const def of METRICS) {
    if (disable.includes(def.id) || own.has(def.id)) continue;
    out.push({ id: def.id, promql: buildMetricPromql(def, o), component: def.component, unit: def.unit, by: [...def.by] });
  }
  for (const u of user) {
    const def = METRICS.find((m) => m.id === u.id);
    const q: PromQuery = { id: u.id, promql: u.promql, component: u.component === 'other' && def ? def.component : u.component, by: u.by.length > 0 ? u.by : [...(def?.by ?? [])] };
    if (def) q.unit = def.unit;
    out.push(q);
  }
  return out;
}
