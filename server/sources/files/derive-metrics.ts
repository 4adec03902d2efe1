/**
 * Turns raw Prometheus samples into the catalogue's series (metrics.ts), streaming, the way the
 * PromQL of each MetricDef would: a counter becomes its per-second rate between consecutive samples
 * of one raw series (`irate`; a drop is a counter reset, the new value is the increase), rates are
 * summed by host + `by` labels per scrape timestamp, histograms get `histogram_quantile` over the
 * summed bucket rates (`sum by (host, le)`), CPU modes their share of all modes, ratio-of-rates
 * divides two summed rates. Only the previous sample of each raw series is held; the rest is the
 * output itself.
 */
import {
  hostFromLabels,
  JOB_COMPONENTS,
  METRICS,
  METRICS_BY_FAMILY,
  type Component,
  type MetricDef,
  type Series,
} from '../../../correlators/signals/index.js';
import { quantileOfSorted } from './histogram-quantile.js';

type Role = 'bucket' | 'counter' | 'gauge' | 'num' | 'den' | 'cpu';

/** Every field always set (one object shape: the sample loop stays monomorphic). */
interface Route {
  role: Role;
  group: Group;
  /** bucket: its bound (else NaN). */
  le: number;
  /** bucket: the slot of `le` in its group's bucket bounds (else -1). */
  slot: number;
  /** cpu-mode-share: this series is the mode of interest. */
  part: boolean;
}

interface Acc {
  a: number;
  b: number;
  /** Summed bucket rates by slot of the group's `les` (holes: a bound with no rate at this time). */
  les: number[] | undefined;
}

interface Group {
  def: MetricDef;
  component: Component;
  host: string | undefined;
  labels: Record<string, string>;
  origin: string;
  points: Map<number, Acc>;
  /** Bucket bounds seen, by slot. */
  les: number[];
  leSlots: Map<number, number>;
  /** The point last looked up: the samples of one scrape share a timestamp. */
  lastT: number;
  lastAcc: Acc | undefined;
}

export interface RawSeries {
  routes: Route[];
  prevT: number;
  prevV: number;
}

/** Families whose rate is the denominator of a ratio-of-rates metric. */
const DENOMINATORS: ReadonlyMap<string, readonly MetricDef[]> = (() => {
  const m = new Map<string, MetricDef[]>();
  for (const d of METRICS) {
    if (d.derive.kind !== 'ratio-of-rates') continue;
    const list = m.get(d.derive.denominator) ?? [];
    list.push(d);
    m.set(d.derive.denominator, list);
  }
  return m;
})();

const COUNTER_KINDS = new Set(['rate', 'ratio-of-rates', 'cpu-mode-share']);
const HISTOGRAM_PARTS = /_(sum|count|created)$/;

function selector(labels: Record<string, string>, keep: (k: string) => boolean, extra: Record<string, string> = {}): string {
  const all = { ...Object.fromEntries(Object.entries(labels).filter(([k]) => keep(k))), ...extra };
  const parts = Object.keys(all).sort().map((k) => `${k}=${JSON.stringify(all[k])}`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function originOf(def: MetricDef, sel: string): string {
  const by = def.by.length ? ` by (${def.by.join(', ')})` : '';
  const f = def.family;
  switch (def.derive.kind) {
    case 'quantile':
      return `histogram_quantile(${def.derive.q}, sum by (${['le', ...def.by].join(', ')}) (irate(${f}_bucket${sel}[1m])))`;
    case 'rate':
      return `sum${by} (irate(${f}_total${sel}[1m]))`;
    case 'gauge':
      return `sum${by} (${f}${sel})`;
    case 'ratio-of-rates':
      return `sum (irate(${f}_total${sel}[1m])) / sum (irate(${def.derive.denominator}_total${sel}[1m]))`;
    case 'cpu-mode-share': {
      const withMode = sel ? sel.replace('{', `{mode="${def.derive.mode}",`) : `{mode="${def.derive.mode}"}`;
      return `sum (irate(${f}_total${withMode}[1m])) / sum (irate(${f}_total${sel}[1m]))`;
    }
  }
}

export class MetricDeriver {
  /** Raw series seen whose family is not in the catalogue, by family name. */
  readonly unknownFamilies = new Set<string>();
  samples = 0;
  private readonly raw = new Map<string, Map<string, RawSeries>>();
  private readonly groups = new Map<string, Group>();

  constructor(private readonly sourceId: string, private readonly keep: (tMs: number) => boolean) {}

  /**
   * One sample. `name` + `labelText` (the label block as written, or any text that identifies the
   * label set) name the raw series; `labels` parses that text, only the first time a raw series
   * is seen. `declaredType` is the `# TYPE` of its family.
   */
  sample(name: string, labelText: string, labels: (text: string) => Record<string, string>, value: number, tMs: number, declaredType?: string, familyName?: string): void {
    this.add(this.series(name, labelText, labels, declaredType, familyName), value, tMs);
  }

  /**
   * The raw series `name` + `labelText` (see {@link sample}), for callers that look it up once
   * and then {@link add} its samples.
   */
  series(name: string, labelText: string, labels: (text: string) => Record<string, string>, declaredType?: string, familyName?: string): RawSeries {
    let byLabels = this.raw.get(name);
    if (!byLabels) {
      byLabels = new Map();
      this.raw.set(name, byLabels);
    }
    let r = byLabels.get(labelText);
    if (!r) {
      r = { routes: this.routesOf(name, labels(labelText), declaredType, familyName), prevT: NaN, prevV: NaN };
      byLabels.set(labelText, r);
    }
    return r;
  }

  /** One sample of a raw series from {@link series}. */
  add(r: RawSeries, value: number, tMs: number): void {
    this.samples++;
    if (r.routes.length === 0) return;
    let rate = NaN;
    if (r.prevT < tMs) {
      const inc = value >= r.prevV ? value - r.prevV : value;
      rate = inc / ((tMs - r.prevT) / 1000);
    } else if (r.prevT >= tMs) return; // a duplicate or out-of-order sample adds nothing
    r.prevT = tMs;
    r.prevV = value;
    if (!this.keep(tMs)) return;
    for (const route of r.routes) {
      if (route.role !== 'gauge' && !Number.isFinite(rate)) continue;
      const g = route.group;
      let acc = g.lastT === tMs ? g.lastAcc : g.points.get(tMs);
      if (!acc) {
        acc = { a: 0, b: 0, les: undefined };
        g.points.set(tMs, acc);
      }
      g.lastT = tMs;
      g.lastAcc = acc;
      switch (route.role) {
        case 'gauge':
          acc.a += value;
          break;
        case 'counter':
        case 'num':
          acc.a += rate;
          break;
        case 'den':
          acc.b += rate;
          break;
        case 'cpu':
          acc.b += rate;
          if (route.part) acc.a += rate;
          break;
        case 'bucket': {
          const les = (acc.les ??= []);
          const slot = route.slot;
          les[slot] = (les[slot] ?? 0) + rate;
          break;
        }
      }
    }
  }

  private routesOf(name: string, labels: Record<string, string>, declaredType: string | undefined, familyName: string | undefined): Route[] {
    const routes: Route[] = [];
    const add = (def: MetricDef, role: Role, le = NaN, part = false): void => {
      if (def.match && Object.entries(def.match).some(([k, v]) => labels[k] !== v)) return;
      routes.push({ role, group: this.groupOf(def, labels), le, slot: -1, part });
    };
    let known = false;
    if (name.endsWith('_bucket')) {
      const defs = METRICS_BY_FAMILY.get(name.slice(0, -7)) ?? [];
      if (defs.length) known = true;
      const le = labels.le === undefined ? NaN : labels.le === '+Inf' ? Infinity : Number(labels.le);
      if (!Number.isNaN(le)) for (const d of defs) if (d.derive.kind === 'quantile') add(d, 'bucket', le);
      for (const r of routes) if (r.role === 'bucket') r.slot = slotOf(r.group, r.le);
    }
    const counterFamily = name.endsWith('_total') ? name.slice(0, -6) : declaredType === 'counter' ? name : undefined;
    if (counterFamily !== undefined) {
      for (const d of METRICS_BY_FAMILY.get(counterFamily) ?? []) {
        known = true;
        if (!COUNTER_KINDS.has(d.derive.kind)) continue;
        if (d.derive.kind === 'cpu-mode-share') add(d, 'cpu', NaN, labels.mode === d.derive.mode);
        else add(d, d.derive.kind === 'rate' ? 'counter' : 'num');
      }
      for (const d of DENOMINATORS.get(counterFamily) ?? []) {
        known = true;
        add(d, 'den');
      }
    }
    for (const d of METRICS_BY_FAMILY.get(name) ?? []) {
      known = true;
      if (d.derive.kind === 'gauge') add(d, 'gauge');
    }
    if (!known && HISTOGRAM_PARTS.test(name) && METRICS_BY_FAMILY.has(name.replace(HISTOGRAM_PARTS, ''))) known = true;
    if (!known) this.unknownFamilies.add(familyName ?? name.replace(/_(total|bucket|sum|count|created)$/, ''));
    return routes;
  }

  private groupOf(def: MetricDef, labels: Record<string, string>): Group {
    const component = (labels.job !== undefined ? JOB_COMPONENTS[labels.job] : undefined) ?? def.component;
    const host = hostFromLabels(labels);
    const by: Record<string, string> = {};
    for (const k of def.by) by[k] = labels[k] ?? '';
    const key = `${def.id}\u0000${component}\u0000${host ?? ''}\u0000${def.by.map((k) => by[k]).join('\u0000')}`;
    let g = this.groups.get(key);
    if (!g) {
      const keepLabel = (k: string): boolean => k === 'job' || k === 'node' || k === 'instance' || k === 'hostname' || def.by.includes(k) || (def.match !== undefined && k in def.match);
      g = { def, component, host, labels: by, origin: originOf(def, selector(labels, keepLabel)), points: new Map(), les: [], leSlots: new Map(), lastT: NaN, lastAcc: undefined };
      this.groups.set(key, g);
    }
    return g;
  }

  /** The derived series, sorted by metric, host and labels. */
  finish(file: string): Series[] {
    const out: Series[] = [];
    for (const g of this.groups.values()) {
      const ts = [...g.points.keys()].sort((a, b) => a - b);
      if (ts.length === 0) continue;
      const order = g.def.derive.kind === 'quantile' ? slotsByBound(g) : undefined;
      const v = ts.map((t) => valueOf(g, g.points.get(t)!, order));
      const s: Series = { sourceId: this.sourceId, metric: g.def.id, component: g.component, labels: g.labels, origin: g.origin, t: ts, v, file };
      if (g.host !== undefined) s.host = g.host;
      out.push(s);
    }
    return out.sort((a, b) => cmp(a.metric, b.metric) || cmp(a.host ?? '', b.host ?? '') || cmp(a.component, b.component) || cmp(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  }
}

/** The slot of bucket bound `le` in `g` (added when new). */
function slotOf(g: Group, le: number): number {
  let slot = g.leSlots.get(le);
  if (slot === undefined) {
    slot = g.les.length;
    g.les.push(le);
    g.leSlots.set(le, slot);
  }
  return slot;
}

/** The slots of `g`'s bucket bounds, by ascending bound (bounds are unique within a group). */
function slotsByBound(g: Group): number[] {
  return g.les.map((_, slot) => slot).sort((a, b) => g.les[a]! - g.les[b]!);
}

// scratch buckets for quantileOfSorted, reused across points
const scratchLes: number[] = [];
const scratchValues: number[] = [];

function valueOf(g: Group, acc: Acc, order: number[] | undefined): number {
  const def = g.def;
  switch (def.derive.kind) {
    case 'quantile': {
      const les = acc.les;
      if (!les || !order) return NaN;
      // the bounds with a rate at this time (holes: none), in ascending order
      let n = 0;
      for (const slot of order) {
        const value = les[slot];
        if (value === undefined) continue;
        scratchLes[n] = g.les[slot]!;
        scratchValues[n] = value;
        n++;
      }
      return quantileOfSorted(def.derive.q, scratchLes, scratchValues, n);
    }
    case 'rate':
    case 'gauge':
      return acc.a;
    case 'ratio-of-rates':
    case 'cpu-mode-share':
      return acc.b > 0 ? acc.a / acc.b : NaN;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
