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
import type { OffsetEdge } from './cross-source.js';

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
export function estimateOffsets(anchors: AnchorFact[], sourceIds: string[], reference: string | undefined, minAnchors = 1, extraEdges: OffsetEdge[] = []): SourceOffset[] {
  const bySource = new Map<string, Map<string, number>>();
  for (const a of anchors) {
    const m = bySource.get(a.sourceId) ?? new Map<string, number>();
    // keep the first occurrence of a join key per source
    if (!m.has(a.joinKey) || m.get(a.joinKey)! > a.atMs) m.set(a.joinKey, a.atMs);
    bySource.set(a.sourceId, m);
  }
  // pairwise estimates: offset(b -> a) = median(t_a - t_b)
  const edges = new Map<string, { to: string; offsetMs: number; n: number; method?: string }[]>();
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
      const method = `${diffs.length} events seen by both (${[...ma.keys()].filter((k) => mb.has(k)).slice(0, 2).join(', ')})`;
      // an exact join key is worth several statistical pairs
      (edges.get(a) ?? edges.set(a, []).get(a)!).push({ to: b, offsetMs: d, n: diffs.length * 3, method });
      (edges.get(b) ?? edges.set(b, []).get(b)!).push({ to: a, offsetMs: -d, n: diffs.length * 3, method });
    }
  }
  for (const e of extraEdges) {
    // exact join anchors win over statistical estimates between the same two sources
    if ((edges.get(e.a) ?? []).some((x) => x.to === e.b)) continue;
    (edges.get(e.a) ?? edges.set(e.a, []).get(e.a)!).push({ to: e.b, offsetMs: e.offsetMs, n: e.support, method: e.method });
    (edges.get(e.b) ?? edges.set(e.b, []).get(e.b)!).push({ to: e.a, offsetMs: -e.offsetMs, n: e.support, method: e.method });
  }
  // grow a tree from the reference along the best-supported edges (a maximum spanning tree, Prim);
  // sources the reference cannot reach form their own trees (their relative offsets still hold)
  const result = new Map<string, SourceOffset>();
  const allIds = [...new Set([...ids, ...edges.keys()])].sort();
  const starts = [reference, ...allIds].filter((x): x is string => x !== undefined);
  for (const start of starts) {
    if (result.has(start)) continue;
    result.set(start, { sourceId: start, offsetMs: 0, anchors: 0, method: start === reference ? 'reference clock' : 'no anchors to the reference' });
    for (;;) {
      let pick: { from: string; to: string; offsetMs: number; n: number; method?: string } | undefined;
      for (const [from, list] of edges) {
        if (!result.has(from)) continue;
        for (const e of list) if (!result.has(e.to) && (!pick || e.n > pick.n || (e.n === pick.n && e.to < pick.to))) pick = { from, ...e };
      }
      if (!pick) break;
      const base = result.get(pick.from)!.offsetMs;
      // t_from - t_to = offsetMs(from<-to): t_to + base + offsetMs is on the reference clock
      result.set(pick.to, { sourceId: pick.to, offsetMs: Math.round(base + pick.offsetMs), anchors: pick.n, method: `aligned to ${pick.from}: ${pick.method ?? `${pick.n} shared events`}` });
    }
  }
  for (const id of sourceIds) if (!result.has(id)) result.set(id, { sourceId: id, offsetMs: 0, anchors: 0, method: 'no anchors; assumed in sync' });
  // No single clock is true: with three or more sources aligned to the reference, put the common
  // frame at their median (most hosts are NTP-synced; one late collector should not move them all)
  if (reference !== undefined) {
    const aligned = [...result.values()].filter((o) => o.sourceId === reference || o.method.startsWith('aligned to'));
    if (aligned.length >= 3) {
      const med = median(aligned.map((o) => o.offsetMs));
      if (Math.abs(med) >= 1) for (const o of aligned) {
        o.offsetMs = Math.round(o.offsetMs - med);
        o.method += `; frame = median of ${aligned.length} aligned clocks`;
      }
    }
  }
  return sourceIds.map((id) => result.get(id)!);
}
