/**
 * What changed between two analyses of a live session, as the events viewers receive: timeline
 * entries added, changed and removed (by stable id), the analysis head (verdict, hypotheses and
 * their confidence, chain, impact) when it changed, symptoms seen for the first time, and the
 * sparklines when they changed. Pure: the session logs and broadcasts what this returns.
 */
import type { Report, SparkSeries, TimelineEntry } from '../../correlators/report/index.js';
import { lowerBound } from './merge-signals.js';

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
  | { type: 'series'; data: SeriesEventData };

/**
 * A series that kept its settings and its points, but for some dropped at the start (the window
 * slid) and some at the end: the viewer keeps `keep` points from index `drop` and appends `t`/`v`.
 */
export interface SeriesAppend {
  id: string;
  drop: number;
  keep: number;
  t: number[];
  v: (number | null)[];
  /** The threshold line moved (it follows the window's baseline): the series is the same. */
  threshold?: number;
}

/** Sparklines changed since the last analysis: what to append to each, what to replace or remove. */
export interface SeriesDelta {
  /** Whole series: new ones, and those whose settings or earlier points changed (clocks re-aligned, say). */
  replaced: SparkSeries[];
  appended: SeriesAppend[];
  removed: string[];
  /** The ids in display order, sent only when it changed (series added, removed or moved). */
  order?: string[];
}

/** The first `series` event of a session carries them all; every later one only what changed. */
export type SeriesEventData = { series: SparkSeries[] } | SeriesDelta;

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
  if (!prev) events.push({ type: 'series', data: { series: next.series } });
  else {
    const delta = diffSeries(prev.series, next.series);
    if (delta) events.push({ type: 'series', data: delta });
  }
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

/** Everything but the points: a change here sends the series whole. */
function sameSettings(a: SparkSeries, b: SparkSeries, thresholdMoved: boolean): boolean {
  return a.metric === b.metric && a.label === b.label && a.host === b.host && a.component === b.component && a.unit === b.unit && (thresholdMoved || a.threshold === b.threshold) && a.origin === b.origin;
}

/** Index of `t` in the sorted `ts`, or -1. */
function indexOfTime(ts: readonly number[], t: number): number {
  const i = lowerBound(ts, t);
  return i < ts.length && ts[i] === t ? i : -1;
}

/**
 * What turns the sparklines `prev` into `next` (undefined when they are the same): per series the
 * points appended (after those that left the window), a whole series when its earlier points or
 * its settings changed, removed ids, and the order when it changed. `applySeriesDelta` inverts it.
 */
export function diffSeries(prev: readonly SparkSeries[], next: readonly SparkSeries[]): SeriesDelta | undefined {
  const before = new Map(prev.map((s) => [s.id, s]));
  const replaced: SparkSeries[] = [];
  const appended: SeriesAppend[] = [];
  for (const n of next) {
    const p = before.get(n.id);
    const drop = p && n.t.length > 0 ? indexOfTime(p.t, n.t[0]!) : -1;
    const thresholdMoved = p !== undefined && p.threshold !== undefined && n.threshold !== undefined && p.threshold !== n.threshold;
    if (!p || drop < 0 || !sameSettings(p, n, thresholdMoved)) {
      replaced.push(n);
      continue;
    }
    let keep = 0;
    while (drop + keep < p.t.length && keep < n.t.length && p.t[drop + keep] === n.t[keep] && p.v[drop + keep] === n.v[keep]) keep++;
    if (drop === 0 && keep === p.t.length && keep === n.t.length && !thresholdMoved) continue;
    // Only the first point agrees: the series is new in all but name.
    if (keep <= 1 && n.t.length > 2) replaced.push(n);
    else appended.push({ id: n.id, drop, keep, t: n.t.slice(keep), v: n.v.slice(keep), ...(thresholdMoved ? { threshold: n.threshold! } : {}) });
  }
  const nextIds = new Set(next.map((s) => s.id));
  const removed = prev.map((s) => s.id).filter((id) => !nextIds.has(id));
  const sameOrder = prev.length === next.length && prev.every((s, i) => s.id === next[i]!.id);
  if (replaced.length + appended.length + removed.length === 0 && sameOrder) return undefined;
  return { replaced, appended, removed, ...(sameOrder ? {} : { order: next.map((s) => s.id) }) };
}

/** `prev` with a `series` event applied (as the page does it, server/live/public/live.js). */
export function applySeriesDelta(prev: readonly SparkSeries[], data: SeriesEventData): SparkSeries[] {
  if ('series' in data) return data.series;
  const byId = new Map(prev.map((s) => [s.id, s]));
  for (const id of data.removed) byId.delete(id);
  for (const s of data.replaced) byId.set(s.id, s);
  for (const a of data.appended) {
    const p = byId.get(a.id);
    if (!p) continue;
    byId.set(a.id, { ...p, ...(a.threshold !== undefined ? { threshold: a.threshold } : {}), t: p.t.slice(a.drop, a.drop + a.keep).concat(a.t), v: p.v.slice(a.drop, a.drop + a.keep).concat(a.v) });
  }
  const order = data.order ?? prev.map((s) => s.id).filter((id) => byId.has(id));
  return order.map((id) => byId.get(id)).filter((s): s is SparkSeries => s !== undefined);
}
