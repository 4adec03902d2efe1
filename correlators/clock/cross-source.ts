/**
 * Offsets between sources from what both of them saw, when no exact join key exists:
 *
 * - fact trains: the same fact kind on the same host written by two sources (API errors in the
 *   audit log and in the apiserver log; image pull failures in Events and in the kubelet journal;
 *   a leader change in etcd's log and in its metrics). Every pair of times closer than the skew
 *   bound votes for their difference; the offset is the mode of those votes (a kernel of the
 *   sources' precision), accepted when it is clearly peaked and backed by several pairs.
 * - series: the same quantity measured by two collectors (iostat %util and node_exporter's
 *   io_time rate for one disk): the lag with the best correlation, when the correlation is strong.
 *
 * Each estimate is an edge `offset(b -> a)`: add it to b's times to put them on a's clock.
 */
import { firstIndex } from '../search.js';

export interface TimedFact {
  sourceId: string;
  /** Fact kind and host: only equal groups are compared. */
  group: string;
  atMs: number;
  /** How precisely the time is known, ms (a log line: ~0; a 15 s scrape: 7 500). */
  precisionMs: number;
}

export interface OffsetEdge {
  a: string;
  b: string;
  /** Add to b's times to put them on a's clock. */
  offsetMs: number;
  support: number;
  method: string;
}

const MAX_SKEW_MS = 60_000;
const MAX_PER_GROUP = 400;

/**
 * `minGroups`: how many different fact groups must agree on the offset. One shared symptom onset
 * is no clock evidence: two detectors of one symptom (a 5xx ratio in 15 s audit bins, an error
 * rate over a 1 m window) first cross their thresholds tens of seconds apart on one clock.
 */
export function factTrainEdges(facts: TimedFact[], opts: FactTrainOptions = {}): OffsetEdge[] {
  const trains = new FactTrains();
  for (const f of facts) trains.add(f.sourceId, f.group, f.atMs, f.precisionMs);
  return trains.edges(opts);
}

export interface FactTrainOptions {
  minSupport?: number;
  minAbsOffsetMs?: number;
  minGroups?: number;
  label?: string;
}

/** The times of each fact group per source, filled one fact at a time (no object per fact): what {@link factTrainEdges} compares. */
export class FactTrains {
  // source -> group -> times (capped when compared: an evenly spread sample keeps the shape)
  readonly #by = new Map<string, Map<string, { t: number[]; p: number }>>();

  add(sourceId: string, group: string, atMs: number, precisionMs: number): void {
    this.#entry(sourceId, group, precisionMs).t.push(atMs);
  }

  /** `add` for many times of one source and group; the trains keep `times` (the caller gives it up). */
  addTimes(sourceId: string, group: string, times: number[], precisionMs: number): void {
    const e = this.#entry(sourceId, group, precisionMs);
    if (e.t.length === 0) e.t = times;
    else for (const t of times) e.t.push(t);
  }

  /** The times of a source's group, its precision raised to `precisionMs`. */
  #entry(sourceId: string, group: string, precisionMs: number): { t: number[]; p: number } {
    let g = this.#by.get(sourceId);
    if (!g) this.#by.set(sourceId, (g = new Map()));
    let e = g.get(group);
    if (!e) g.set(group, (e = { t: [], p: precisionMs }));
    else if (precisionMs > e.p) e.p = precisionMs;
    return e;
  }

  /** See {@link factTrainEdges}. */
  edges(opts: FactTrainOptions = {}): OffsetEdge[] {
    const by = this.#by;
    for (const g of by.values()) {
      for (const e of g.values()) {
        // lines mostly come in time order: check first. Times are finite: the typed array's numeric
        // sort orders them as the comparator would, without a call per pair
        let inOrder = true;
        for (let k = 1; k < e.t.length && inOrder; k++) inOrder = e.t[k - 1]! <= e.t[k]!;
        if (!inOrder) {
          const sorted = Float64Array.from(e.t).sort();
          for (let k = 0; k < sorted.length; k++) e.t[k] = sorted[k]!;
        }
        if (e.t.length > MAX_PER_GROUP) {
          const step = e.t.length / MAX_PER_GROUP;
          e.t = Array.from({ length: MAX_PER_GROUP }, (_, i) => e.t[Math.floor(i * step)]!);
        }
      }
    }
    const ids = [...by.keys()].sort();
    const edges: OffsetEdge[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const A = by.get(ids[i]!)!;
        const B = by.get(ids[j]!)!;
        const votes: { d: number; w: number; a: number; b: number; g: number }[] = [];
        let kernel = 1000;
        const groups: string[] = [];
        for (const [group, ea] of A) {
          const eb = B.get(group);
          if (!eb) continue;
          groups.push(group.split('|')[0]!);
          const g = groups.length;
          kernel = Math.max(kernel, ea.p + eb.p);
          // each time of a votes for the differences to b's times within the bound, weight 1 per a-time
          // (b's times within the bound are the run [lo, hi): no list of them per a-time)
          let lo = 0;
          for (let k = 0; k < ea.t.length; k++) {
            const ta = ea.t[k]!;
            while (lo < eb.t.length && eb.t[lo]! < ta - MAX_SKEW_MS) lo++;
            let hi = lo;
            while (hi < eb.t.length && eb.t[hi]! <= ta + MAX_SKEW_MS) hi++;
            const w = 1 / (hi - lo);
            for (let m = lo; m < hi; m++) votes.push({ d: ta - eb.t[m]!, w, a: k + g * 1e6, b: m + g * 1e6, g });
          }
        }
        if (votes.length < 2) continue;
        const best = modeOf(votes, kernel, opts.minSupport ?? 3);
        if (!best || Math.abs(best.d) < (opts.minAbsOffsetMs ?? 0) || best.groups < (opts.minGroups ?? 1)) continue;
        edges.push({ a: ids[i]!, b: ids[j]!, offsetMs: Math.round(best.d), support: best.support, method: `${best.support} shared ${[...new Set(groups)].slice(0, 3).join(', ')} ${opts.label ?? 'events'}` });
      }
    }
    return edges;
  }
}

/**
 * The densest difference (kernel-wide window), if it is clearly ahead of the runner-up elsewhere.
 * Window sums come from prefix sums over the sorted votes (two pointers): O(V log V) for the sort,
 * O(V) after it, where scoring each vote's window afresh was O(V x votes per window) (profiled:
 * issue 6, 20 % of a large analysis).
 */
function modeOf(votes: { d: number; w: number; a: number; b: number; g: number }[], kernel: number, minSupport: number): { d: number; support: number; groups: number } | undefined {
  votes.sort((x, y) => x.d - y.d);
  const n = votes.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + votes[i]!.w;
  // sum of the weights of the votes with d in [v.d - kernel, v.d + kernel], for each vote v
  const windowSum = new Float64Array(n);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const c = votes[i]!.d;
    while (votes[lo]!.d < c - kernel) lo++;
    while (hi < n && votes[hi]!.d <= c + kernel) hi++;
    windowSum[i] = prefix[hi]! - prefix[lo]!;
  }
  // pairs: many times of one source against a single time of the other are one observation
  const score = (center: number) => {
    let s = 0;
    const as = new Set<number>();
    const bs = new Set<number>();
    for (let i = firstIndex(n, (k) => votes[k]!.d >= center - kernel); i < n && votes[i]!.d <= center + kernel; i++) {
      const v = votes[i]!;
      s += v.w;
      as.add(v.a);
      bs.add(v.b);
    }
    return { s, n: Math.min(as.size, bs.size) };
  };
  let best = { d: 0, s: -1 };
  for (let i = 0; i < n; i++) if (windowSum[i]! > best.s + 1e-9) best = { d: votes[i]!.d, s: windowSum[i]! };
  // refine: mean of the votes in the window
  const inWin = votes.filter((v) => Math.abs(v.d - best.d) <= kernel);
  const center = inWin.reduce((a, v) => a + v.d * v.w, 0) / inWin.reduce((a, v) => a + v.w, 0);
  let runnerUp = 0;
  for (let i = 0; i < n; i++) if (Math.abs(votes[i]!.d - center) > 3 * kernel) runnerUp = Math.max(runnerUp, windowSum[i]!);
  const support = score(center).n;
  // The peak must stand well above chance. Each time of a spreads one vote over its candidate
  // partners in b: a single partner could have been anywhere within the skew bound; several (two
  // short bursts, four relist lines in 20 s each) cover their own range evenly. What chance would
  // put in one kernel window is the sum of those shares.
  const perA = new Map<number, { lo: number; hi: number; n: number }>();
  for (const v of votes) {
    const e = perA.get(v.a);
    if (e) {
      e.lo = Math.min(e.lo, v.d);
      e.hi = Math.max(e.hi, v.d);
      e.n++;
    } else perA.set(v.a, { lo: v.d, hi: v.d, n: 1 });
  }
  let even = 0;
  for (const e of perA.values()) even += e.n === 1 ? kernel / MAX_SKEW_MS : Math.min(1, (2 * kernel) / (e.hi - e.lo + 2 * kernel));
  if (support < minSupport || best.s < 1.5 * runnerUp || best.s < 3 * even) return undefined;
  return { d: center, support, groups: new Set(inWin.map((v) => v.g)).size };
}


/** Two series of one quantity: the lag (added to b) with the best Pearson correlation. */
export function seriesLagEdge(a: { sourceId: string; t: number[]; v: number[] }, b: { sourceId: string; t: number[]; v: number[] }, label: string): OffsetEdge | undefined {
  const from = Math.max(a.t[0] ?? Infinity, b.t[0] ?? Infinity) + MAX_SKEW_MS;
  const to = Math.min(a.t.at(-1) ?? -Infinity, b.t.at(-1) ?? -Infinity) - MAX_SKEW_MS;
  if (!(to - from > 5 * 60_000)) return undefined;
  const stepMs = 1000;
  const grid: number[] = [];
  for (let t = from; t <= to; t += stepMs) grid.push(t);
  const va = grid.map((t) => interp(a, t));
  // b on the same 1 s grid, widened by the largest lag: each lag is then a shift into it, not a
  // new interpolation of every point (lags are whole steps)
  const lagSteps = MAX_SKEW_MS / stepMs;
  const wide = new Float64Array(grid.length + 2 * lagSteps);
  for (let k = 0; k < wide.length; k++) wide[k] = interp(b, from - MAX_SKEW_MS + k * stepMs);
  let bestLag = 0;
  let bestR = -1;
  for (let lag = -MAX_SKEW_MS; lag <= MAX_SKEW_MS; lag += stepMs) {
    // interp(b, grid[i] - lag) = wide[i + (MAX_SKEW_MS - lag) / stepMs]
    const r = pearson(va, wide.subarray((MAX_SKEW_MS - lag) / stepMs, (MAX_SKEW_MS - lag) / stepMs + grid.length));
    if (r > bestR) {
      bestR = r;
      bestLag = lag;
    }
  }
  // weak correlation means nothing happened that both saw: no estimate
  if (bestR < 0.8) return undefined;
  return { a: a.sourceId, b: b.sourceId, offsetMs: bestLag, support: 3, method: `${label} series correlate at r=${bestR.toFixed(2)}` };
}

function interp(s: { t: number[]; v: number[] }, t: number): number {
  let lo = 0;
  let hi = s.t.length - 1;
  if (t <= s.t[0]!) return s.v[0]!;
  if (t >= s.t[hi]!) return s.v[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s.t[mid]! <= t) lo = mid;
    else hi = mid;
  }
  const f = (t - s.t[lo]!) / (s.t[hi]! - s.t[lo]!);
  return s.v[lo]! + f * (s.v[hi]! - s.v[lo]!);
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!, b = y[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++; sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
  }
  if (n < 30) return -1;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : -1;
}
