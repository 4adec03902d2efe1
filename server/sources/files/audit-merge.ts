/**
 * Merges the partial audit aggregates of a file's byte ranges, in file order, into exactly what
 * one pass over the file gives. Counts, histograms and extremes add up; what a cap admits depends
 * on first-seen order, so user agents, keys, annotations and samples are replayed range by range
 * in the order each range first saw them, through the same admission rules as a single pass.
 */
import { AuditAggregator, keyArray, type AuditState } from './audit-aggregate.js';

/** Whether `part` can be merged exactly: no cap folded anything away inside the range. */
export function isMergeable(part: AuditState): boolean {
  return !part.agentsOverflow && !part.keysOverflow;
}

/**
 * Adds the range `part` (which follows everything merged so far) to `into`; `lineOffset` is the
 * number of file lines before the range (the range numbered its lines from 1).
 */
export function mergeAuditState(into: AuditAggregator, part: AuditState, lineOffset: number): void {
  const st = into.state;
  const n = into.buckets;
  if (part.total.length !== n) throw new Error(`audit ranges on different grids (${part.total.length} and ${n} buckets)`);
  for (let b = 0; b < n; b++) {
    st.total[b]! += part.total[b]!;
    const h = part.hist[b];
    if (h) {
      const mine = st.hist[b];
      if (!mine) st.hist[b] = h.slice();
      else for (let i = 0; i < h.length; i++) mine[i]! += h[i]!;
    }
    st.latCount[b]! += part.latCount[b]!;
    if (part.latMin[b]! < st.latMin[b]!) st.latMin[b] = part.latMin[b]!;
    if (part.latMax[b]! > st.latMax[b]!) st.latMax[b] = part.latMax[b]!;
  }
  for (const [key, counts] of part.byVerb) addCounts(keyArray(st, st.byVerb, key, n), counts);
  for (const [key, counts] of part.byCode) addCounts(keyArray(st, st.byCode, key, n), counts);
  for (const [ua, s] of part.agents) {
    const mine = st.agents.get(ua) ?? into.newAgent(ua, { requests: 0, errors: 0, throttled: 0, firstMs: s.firstMs });
    mine.requests += s.requests;
    mine.errors += s.errors;
    mine.throttled += s.throttled;
    if (s.firstMs < mine.firstMs) mine.firstMs = s.firstMs;
  }
  for (const [name, count] of part.annotations) into.addAnnotation(name, count);
  st.samplesDropped += part.samplesDropped;
  part.samples.forEach((s, i) => {
    const kind = part.sampleKinds[i]!;
    if (!into.wantSample(kind)) return;
    into.addSample(s.line === undefined ? s : { ...s, line: s.line + lineOffset }, kind);
  });
  st.outside += part.outside;
}

function addCounts(into: Uint32Array, from: Uint32Array): void {
  for (let b = 0; b < into.length; b++) into[b]! += from[b]!;
}
