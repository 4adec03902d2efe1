/**
 * The PromQL catalogue: one query per normalised metric id of `METRICS`, derived the way the file
 * source derives the same id from OpenMetrics, so the correlators cannot tell the sources apart.
 */
import { METRICS, type Component, type MetricDef, type MetricUnit } from '../../../correlators/signals/index.js';
import { formatPromDuration, type RateFunction } from './step.js';

export interface PromqlOptions {
  /** Range of every `rate()` / `irate()`. */
  rangeMs: number;
  /** `irate` (default `rate`): the rate between the last two samples, as the file source derives it. */
  rateFunction?: RateFunction;
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
  /** The times of the samples each evaluation read (`buildSampleTimePromql`); none for user queries. */
  samplePromql?: string;
}

const labelName = (o: Pick<PromqlOptions, 'rename'>, name: string): string => o.rename[name] ?? name;

function selector(metric: string, match: Readonly<Record<string, string>> | undefined, o: PromqlOptions): string {
  const pairs = Object.entries(match ?? {}).map(([k, v]) => `${labelName(o, k)}=${JSON.stringify(v)}`);
  return pairs.length > 0 ? `${metric}{${pairs.join(',')}}` : metric;
}

function groupBy(def: MetricDef, o: PromqlOptions, extra: string[] = []): string {
  return `sum by (${[...new Set([...groupLabels(def.by, o), ...extra])].join(', ')})`;
}

/**
 * The PromQL for one catalogue metric (`rate` below is `irate` when `o.rateFunction` says so):
 * - quantile: `histogram_quantile(q, sum by (host..., job, by..., le) (rate(family_bucket[range])))`
 * - rate: `sum by (host..., job, by...) (rate(family_total[range]))`
 * - gauge: `sum by (host..., job, by...) (family)`
 * - ratio-of-rates: rate of `family_total` over rate of `denominator_total`, both summed alike
 * - cpu-mode-share: rate of `family_total{mode}` over the rate of all modes
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */
export function buildMetricPromql(def: MetricDef, o: PromqlOptions): string {
  const range = `[${formatPromDuration(o.rangeMs)}]`;
  const fn = o.rateFunction ?? 'rate';
  const rateOf = (family: string, match = def.match): string => `${fn}(${selector(`${family}_total`, match, o)}${range})`;
  const d = def.derive;
  switch (d.kind) {
    case 'quantile':
      return `histogram_quantile(${d.q}, ${groupBy(def, o, ['le'])} (${fn}(${selector(`${def.family}_bucket`, def.match, o)}${range})))`;
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

/**
 * When the samples behind each evaluation of a catalogue metric were scraped, grouped as the
 * metric's own query groups them: `max by (host..., job, by...) (timestamp(family_series))`.
 * Prometheus answers every query on its own evaluation grid; these times put each point back at its
 * sample's time, where the file source has it, so symptoms of different targets keep their order
 * within a step, and a series that stopped (kept visible by the 5 min lookback) adds no points.
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#timestamp
 */
export function buildSampleTimePromql(def: MetricDef, o: PromqlOptions): string {
  const d = def.derive;
  const series = d.kind === 'quantile' ? `${def.family}_bucket` : d.kind === 'gauge' ? def.family : `${def.family}_total`;
  return `${groupBy(def, o).replace(/^sum/, 'max')} (timestamp(${selector(series, def.match, o)}))`;
}

/** The labels a catalogue query's result is grouped by (and its sample times keyed on). */
export function groupLabels(by: readonly string[], o: Pick<PromqlOptions, 'hostLabels' | 'jobLabel' | 'rename'>): string[] {
  return [...new Set([...o.hostLabels, o.jobLabel, ...by.map((b) => labelName(o, b))])];
}

/** Catalogue queries (minus `disable`), then user queries; a user query replaces a catalogue one of the same id. */
export function buildQueryCatalogue(o: PromqlOptions, disable: readonly string[], user: readonly { id: string; promql: string; component: Component; by: string[] }[]): PromQuery[] {
  const own = new Set(user.map((u) => u.id));
  const out: PromQuery[] = [];
  for (const def of METRICS) {
    if (disable.includes(def.id) || own.has(def.id)) continue;
    out.push({ id: def.id, promql: buildMetricPromql(def, o), component: def.component, unit: def.unit, by: [...def.by], samplePromql: buildSampleTimePromql(def, o) });
  }
  for (const u of user) {
    const def = METRICS.find((m) => m.id === u.id);
    const q: PromQuery = { id: u.id, promql: u.promql, component: u.component === 'other' && def ? def.component : u.component, by: u.by.length > 0 ? u.by : [...(def?.by ?? [])] };
    if (def) q.unit = def.unit;
    out.push(q);
  }
  return out;
}
