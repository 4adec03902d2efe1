/**
 * Timeline entry ids that survive re-analysis. The correlators number their observations per run
 * (`b12`, `s4-0`), so the same episode gets another id when the window slides or a burst before it
 * appears. A live viewer needs to know "this is the entry I already have, grown": the id here is
 * a digest of what identifies an entry over time (lane, symptom, start, and the title with its
 * numbers blanked, since counts and peaks grow), not of what changes.
 */
import { createHash } from 'node:crypto';
import type { Report, TimelineEntry } from '../../correlators/report/index.js';

/** What identifies an entry across runs. */
export function entryIdentity(e: TimelineEntry): string {
  return `${entryLineage(e)}\u0000${e.atMs}`;
}

/**
 * The identity without the time: an entry whose start moved (clock alignment re-estimated, an
 * episode found to begin earlier) gets another id but keeps its lineage, so a mark on the old id
 * can find the entry it became.
 */
export function entryLineage(e: TimelineEntry): string {
  const shape = e.title.replace(/[-+]?\d[\d.,:]*/g, '#');
  return `${e.lane}\u0000${e.symptom ?? ''}\u0000${shape}\u0000${e.evidence.sourceId}`;
}

/** `e` + 12 hex digits of the identity's SHA-1 (48 bits: no collision in 50,000 entries in practice). */
export function stableEntryId(identity: string): string {
  return `e${createHash('sha1').update(identity).digest('hex').slice(0, 12)}`;
}

/** The report with every timeline entry's id replaced by its stable id (duplicates get `~2`, `~3`, ...). Pure. */
export function assignStableIds(report: Report): Report {
  const seen = new Map<string, number>();
  const timeline = report.timeline.map((e) => {
    const base = stableEntryId(entryIdentity(e));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...e, id: n === 1 ? base : `${base}~${n}` };
  });
  return { ...report, timeline };
}
