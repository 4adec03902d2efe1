/**
 * What changed between two analyses of a live session, as the events viewers receive: timeline
 * entries added, changed and removed (by stable id), the analysis head (verdict, hypotheses and
 * their confidence, chain, impact) when it changed, symptoms seen for the first time, and the
 * sparklines when they changed. Pure: the session logs and broadcasts what this returns.
 */
import type { Report, SparkSeries, TimelineEntry } from '../../correlators/report/index.js';

/** The report without its big or per-tick parts: what the banner and the alternatives show. */
export type AnalysisHead = Omit<Report, 'timeline' | 'series' | 'sources' | 'stats' | 'window'>;

export interface TimelineDelta {
  added: TimelineEntry[];
  changed: TimelineEntry[];
  /** Ids of entries gone (out of the window, or merged into another). */
  removed: string[];
}

export interface DetectedSymptom {
  symptom: string;
  /** The first entry showing it: when and where. */
  at: string;
  lane: string;
}

export type LiveEvent =
  | { type: 'timeline'; data: TimelineDelta }
  | { type: 'analysis'; data: AnalysisHead }
  | { type: 'symptoms'; data: { detected: DetectedSymptom[] } }
  | { type: 'series'; data: { series: SparkSeries[] } };

export function buildAnalysisHead(r: Report): AnalysisHead {
  const { timeline: _t, series: _s, sources: _src, stats: _st, window: _w, ...head } = r;
  return head;
}

/** The events that turn `prev` (null: nothing shown yet) into `next`. Both carry stable ids. */
export function diffReports(prev: Report | null, next: Report): LiveEvent[] {
  const events: LiveEvent[] = [];
  const symptoms = detectNewSymptoms(prev?.timeline ?? [], next.timeline);
  if (symptoms.length > 0) events.push({ type: 'symptoms', data: { detected: symptoms } });
  const delta = diffTimeline(prev?.timeline ?? [], next.timeline);
  if (delta.added.length + delta.changed.length + delta.removed.length > 0) events.push({ type: 'timeline', data: delta });
  if (!prev || JSON.stringify(prev.series) !== JSON.stringify(next.series)) events.push({ type: 'series', data: { series: next.series } });
  const head = buildAnalysisHead(next);
  if (!prev || JSON.stringify(buildAnalysisHead(prev)) !== JSON.stringify(head)) events.push({ type: 'analysis', data: head });
  return events;
}

export function diffTimeline(prev: readonly TimelineEntry[], next: readonly TimelineEntry[]): TimelineDelta {
  const before = new Map(prev.map((e) => [e.id, e]));
  const added: TimelineEntry[] = [];
  const changed: TimelineEntry[] = [];
  for (const e of next) {
    const old = before.get(e.id);
    if (!old) added.push(e);
    else if (!sameEntry(old, e)) changed.push(e);
    before.delete(e.id);
  }
  return { added, changed, removed: [...before.keys()] };
}

function sameEntry(a: TimelineEntry, b: TimelineEntry): boolean {
  return (
    a.endMs === b.endMs &&
    a.count === b.count &&
    a.title === b.title &&
    a.severity === b.severity &&
    a.inChain === b.inChain &&
    a.kind === b.kind &&
    a.evidence.text === b.evidence.text &&
    a.evidence.line === b.evidence.line
  );
}

/** Symptoms in `next` that `prev` did not show at all, with their first entry. */
export function detectNewSymptoms(prev: readonly TimelineEntry[], next: readonly TimelineEntry[]): DetectedSymptom[] {
  const known = new Set(prev.map((e) => e.symptom).filter((s): s is NonNullable<typeof s> => s !== undefined));
  const first = new Map<string, TimelineEntry>();
  for (const e of next) {
    if (e.symptom === undefined || known.has(e.symptom)) continue;
    const f = first.get(e.symptom);
    if (!f || e.atMs < f.atMs) first.set(e.symptom, e);
  }
  return [...first.entries()]
    .map(([symptom, e]) => ({ symptom, at: e.at, lane: e.lane }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.symptom < b.symptom ? -1 : 1));
}
