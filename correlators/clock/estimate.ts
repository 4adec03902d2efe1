/**
 * Per-source clock offsets from shared anchors: the same happening written by two sources.
 * An anchor pair is (fact in source A, the same fact in source B); the offset of B relative to A
 * is the median of their differences, accepted with at least `minAnchors` pairs within `maxSkewMs`.
 * Offsets are then chained from a reference source (metrics: Prometheus stamps samples with its
 * own clock; else the audit log; else the busiest source) across the pair graph.
 *
 * Anchors used (each a fact key + a join key):
 * - etcd leader elections: "elected leader X at term T" is logged by every member at the same instant;
 * - node NotReady: kube-controller-manager's "Recording status change event" and the NodeNotReady Event;
 * - lease loss: the controller log and the leader_election_master_status drop.
 */
export interface AnchorFact {
  sourceId: string;
  /** What happened, precise enough to pair: `election:term-7`, `notready:cp-1`. */
  joinKey: string;
  atMs: number;
}

export interface SourceOffset {
  sourceId: string;
  offsetMs: number;
  anchors: number;
  method: string;
}

const MAX_SKEW_MS = 90_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Offsets to ADD to each source's timestamps to put them on the reference clock. */
export function estimateOffsets(anchors: AnchorFact[], sourceIds: string[], reference: string | undefined, minAnchors = 1): SourceOffset[] {
  const bySource = new Map<string, Map<string, number>>();
  for (const a of anchors) {
    const m = bySource.get(a.sourceId) ?? new Map<string, number>();
    // keep the first occurrence of a join key per source
    if (!m.has(a.joinKey) || m.get(a.joinKey)! > a.atMs) m.set(a.joinKey, a.atMs);
    bySource.set(a.sourceId, m);
  }
  // pairwise estimates: offset(b -> a) = median(t_a - t_b)
  const edges = new Map<string, { to: string; offsetMs: number; n: number }[]>();
  const ids = [...bySource.keys()];
  for (const a of ids) {
    for (const b of ids) {
      if (a >= b) continue;
      const ma = bySource.get(a)!;
      const mb = bySource.get(b)!;
      const diffs: number[] = [];
      for (const [k, ta] of ma) {
        const tb = mb.get(k);
        if (tb !== undefined && Math.abs(ta - tb) <= MAX_SKEW_MS) diffs.push(ta - tb);
      }
      if (diffs.length < minAnchors) continue;
      const d = median(diffs);
      (edges.get(a) ?? edges.set(a, []).get(a)!).push({ to: b, offsetMs: d, n: diffs.length });
      (edges.get(b) ?? edges.set(b, []).get(b)!).push({ to: a, offsetMs: -d, n: diffs.length });
    }
  }
  // breadth-first from the reference (then from any unreached source with anchors), strongest edges first
  const result = new Map<string, SourceOffset>();
  const starts = [reference, ...ids].filter((x): x is string => x !== undefined);
  for (const start of starts) {
    if (result.has(start)) continue;
    result.set(start, { sourceId: start, offsetMs: 0, anchors: 0, method: start === reference ? 'reference clock' : 'no anchors to the reference' });
    const queue = [start];
    while (queue.length) {
      const cur = queue.shift()!;
      const base = result.get(cur)!.offsetMs;
      for (const e of (edges.get(cur) ?? []).sort((x, y) => y.n - x.n)) {
        if (result.has(e.to)) continue;
        // t_cur_true = t_cur + base; t_to + off = t_cur + base where t_cur - t_to = offsetMs(cur<-to)
        result.set(e.to, { sourceId: e.to, offsetMs: Math.round(base + e.offsetMs), anchors: e.n, method: `anchored to ${cur} by ${e.n} shared events` });
        queue.push(e.to);
      }
    }
  }
  for (const id of sourceIds) if (!result.has(id)) result.set(id, { sourceId: id, offsetMs: 0, anchors: 0, method: 'no anchors; assumed in sync' });
  return sourceIds.map((id) => result.get(id)!);
}
