/**
 * One live analysis, shared by every viewer: each tick reads what the bundle's files gained (and
 * polls servers when due), keeps the signals of the sliding window, re-runs the correlators on
 * them when something changed, and turns the difference from the last analysis into events that
 * are logged (for `Last-Event-ID` replay) and pushed to every subscriber.
 *
 * Ingest is incremental (offsets, generations of parsers, a store trimmed as the window slides).
 * The correlators are pure functions over the window's signals; the session's AnalysisCache lets
 * them look up what they worked out for the same records and series objects on earlier ticks
 * (facts, derived and clipped series, episodes), and work out again only what spans them all
 * (clock offsets, bursts, mechanisms, ranking). On the 30-minute example a tick's analysis takes
 * 13-22 ms.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { AnalysisCache, analyzeSignals, type Report, type TimelineEntry } from '../../correlators/report/index.js';
import type { SignalSource } from '../sources/types.js';
import type { NewNote, Note, NotesStore } from '../store/index.js';
import { buildBannerView, type BannerView } from './banner-view.js';
import { diffReports, type LiveEvent } from './diff-report.js';
import { EventLog, type LoggedEvent } from './event-log.js';
import { LiveBundle } from './live-bundle.js';
import { buildNoteEntry, mergeNotes } from './note-entries.js';
import { PolledSource } from './poll-source.js';
import { SignalStore } from './signal-store.js';
import { assignStableIds, entryLineage } from './stable-ids.js';

/** `data`: the window ends at the newest record read (replays, and live data alike); `wall`: at the server's clock. */
export type LiveClock = 'data' | 'wall';

export interface LiveSessionOptions {
  /** Name of the configured source (as requests name it). */
  sourceName: string;
  /** The bundle folder followed; '' when the session only polls servers. */
  dir: string;
  /** The configured Prometheus + Elasticsearch pair polled (its name), when one was named. */
  serverSource?: string | undefined;
  /** Notes are stored under this key: the same bundle gets its notes back after a restart. */
  incident: string;
  windowMs: number;
  intervalMs: number;
  clock: LiveClock;
  tz?: string | undefined;
  /** Servers polled incrementally (Prometheus, Elasticsearch). */
  polled?: readonly SignalSource[];
  pollIntervalMs?: number;
}

export interface LiveSessionDeps {
  notes: NotesStore;
  log: FastifyBaseLogger;
  wallMs?: () => number;
  analyze?: typeof analyzeSignals;
}

/** What a viewer receives: a logged event, or an unlogged one (status, snapshot) with the id to resume from. */
export interface Subscriber {
  send(event: { id?: number; type: string; json: string }): void;
  close(): void;
}

export interface LiveStatus {
  state: 'waiting' | 'live' | 'stopped';
  /** The sliding window, ISO (null while no data has been read). */
  window: { from: string; to: string } | null;
  clock: LiveClock;
  clockMs: number | null;
  ticks: number;
  analyses: number;
  lastAnalysisMs: number | null;
  /**
   * Work the analyses did and looked up instead, since the start: records classified, series
   * searched for episodes, and series whose count and range were read from all their points or
   * updated from the last tick's (`seriesUpdated`).
   */
  reuse: { recordsClassified: number; recordsReused: number; seriesDetected: number; seriesReused: number; seriesRead: number; seriesUpdated: number };
  files: number;
  records: number;
  viewers: number;
  lastEventId: number;
  error: string | null;
}

/** Context kept before the window's start: what the correlators look at before it (10 min). */
const CONTEXT_MS = 10 * 60_000;
/** A data clock never runs ahead of the server's by more than this: a stray future timestamp cannot drag the window. */
const MAX_AHEAD_MS = 5 * 60_000;
/** With nothing new, the analysis is still refreshed this often (entries leave a sliding window). */
const IDLE_REANALYSIS_MS = 10_000;
/** Entries that left the timeline and are still found by id (a viewer may mark what it shows a tick late). */
const RETIRED_ENTRIES = 5000;
/** A retired entry's successor (same lineage) starts at most this far from it. */
const SUCCESSOR_MS = 5 * 60_000;

export class LiveSession {
  readonly id: string;
  readonly createdAtMs: number;
  readonly #store = new SignalStore();
  readonly #bundle: LiveBundle;
  readonly #polled: PolledSource[];
  readonly #events: EventLog;
  readonly #subscribers = new Set<Subscriber>();
  readonly #wallMs: () => number;
  readonly #analyze: typeof analyzeSignals;
  /** Per record and per series results of earlier ticks: each tick works out only what is new. */
  readonly #cache = new AnalysisCache();
  #report: Report | null = null;
  #clockMs: number | undefined;
  #analysedClockMs = -Infinity;
  #ticks = 0;
  #analyses = 0;
  #lastAnalysisMs: number | null = null;
  #error: string | null = null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #changedSinceAnalysis = false;
  #snapshotCache: { key: number; json: string } | undefined;
  /** Entries gone from the timeline by id, oldest first: what viewers may still show. */
  readonly #retired = new Map<string, TimelineEntry>();

  constructor(id: string, readonly options: LiveSessionOptions, private readonly deps: LiveSessionDeps) {
    this.id = id;
    this.#wallMs = deps.wallMs ?? (() => Date.now());
    this.#analyze = deps.analyze ?? analyzeSignals;
    this.createdAtMs = this.#wallMs();
    this.#events = new EventLog(this.createdAtMs * 1000);
    this.#bundle = new LiveBundle({ dir: options.dir, windowMs: options.windowMs, tz: options.tz }, this.#store);
    const pollIntervalMs = options.pollIntervalMs ?? Math.max(options.intervalMs, 15_000);
    this.#polled = (options.polled ?? []).map((s) => new PolledSource(s, { intervalMs: pollIntervalMs, overlapMs: 2 * 60_000, windowMs: options.windowMs }));
  }

  /** The current analysis with stable ids (null before the first), without notes. */
  get report(): Report | null {
    return this.#report;
  }

  get lastEventId(): number {
    return this.#events.lastId;
  }

  get viewers(): number {
    return this.#subscribers.size;
  }

  /** Starts ticking (the first tick at once). */
  start(): void {
    if (this.#timer || this.#running || this.#stopped) return;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.tick()
        .catch((err: unknown) => {
          this.#error = err instanceof Error ? err.message : String(err);
          this.deps.log.error({ err, liveSession: this.id }, 'live tick failed');
        })
        .finally(() => {
          this.#running = undefined;
          this.#schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.#timer.unref();
  }

  /** One round: read, (re)analyse when needed, publish. Exposed for tests; ticks never overlap when started. */
  async tick(): Promise<void> {
    this.#ticks++;
    const wall = this.#wallMs();
    const newLines = await this.#bundle.pull();
    let clock = this.#clockMs;
    if (this.options.clock === 'wall') clock = wall;
    else if (clock === undefined) {
      const probe = this.#bundle.probeClockMs({ fromMs: wall - 366 * 86_400_000, toMs: wall + 86_400_000 });
      if (probe !== undefined) clock = Math.min(probe, wall + MAX_AHEAD_MS);
    }
    if (clock === undefined) {
      this.#publishStatus();
      return;
    }
    let changed = (await this.#bundle.step(clock)) || newLines > 0;
    for (const p of this.#polled) {
      if (p.isDue(wall)) changed = (await p.poll(clock, wall, this.#store)) || changed;
    }
    if (this.options.clock === 'data') {
      const data = this.#bundle.dataClockMs();
      if (data !== undefined) clock = Math.max(clock, Math.min(data, wall + MAX_AHEAD_MS));
    }
    this.#clockMs = clock;
    const trimMs = clock - this.options.windowMs - CONTEXT_MS;
    this.#bundle.trim(trimMs);
    for (const p of this.#polled) p.trim(trimMs);
    this.#store.trim(trimMs);
    this.#changedSinceAnalysis ||= changed;
    const due = this.#changedSinceAnalysis || this.#report === null || clock - this.#analysedClockMs >= IDLE_REANALYSIS_MS;
    if (due && this.#store.records + this.#bundle.files + this.#polled.length > 0) this.#analyse(clock, wall);
    this.#publishStatus();
  }

  #analyse(clock: number, wall: number): void {
    // The window ends just after the newest record, on a whole second.
    const toMs = Math.ceil(clock / 1000) * 1000 + 1000;
    const window = { fromMs: toMs - this.options.windowMs, toMs };
    const signals = this.#store.snapshot(window);
    const t0 = performance.now();
    let next: Report;
    try {
      next = assignStableIds(this.#analyze(signals, { nowMs: wall, ingestMs: 0, elapsedMs: () => performance.now(), cache: this.#cache }));
    } catch (err) {
      this.#error = `analysis failed: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.log.error({ err, liveSession: this.id }, 'live analysis failed');
      return;
    }
    this.#lastAnalysisMs = Math.round(performance.now() - t0);
    this.#analyses++;
    this.#error = null;
    this.#analysedClockMs = clock;
    this.#changedSinceAnalysis = false;
    const events = diffReports(this.#report, next);
    this.#retire(this.#report, events);
    this.#report = next;
    for (const e of events) this.#publish(e.type, e.type === 'analysis' ? { head: e.data, view: buildBannerView(next) } : e.data);
  }

  /** Keeps the entries this analysis removed, so an id a viewer still shows keeps working for a while. */
  #retire(prev: Report | null, events: readonly LiveEvent[]): void {
    if (!prev) return;
    const delta = events.find((e): e is Extract<LiveEvent, { type: 'timeline' }> => e.type === 'timeline');
    const removed = delta?.data.removed ?? [];
    if (removed.length === 0) return;
    const byId = new Map(prev.timeline.map((e) => [e.id, e]));
    for (const id of removed) {
      const e = byId.get(id);
      if (!e) continue;
      this.#retired.delete(id);
      this.#retired.set(id, e);
    }
    for (const id of this.#retired.keys()) {
      if (this.#retired.size <= RETIRED_ENTRIES) break;
      this.#retired.delete(id);
    }
  }

  /**
   * The timeline entry a viewer means by `id`. The page shows the analysis of a moment ago: an
   * entry re-identified since (its start moved when the clocks were re-aligned, say) is found by
   * its old id, as the entry of the same lineage nearest in time, or, when it is gone for good
   * (left the window), as it was. Undefined for an id this session never showed.
   */
  findEntry(id: string): TimelineEntry | undefined {
    const timeline = this.#report?.timeline ?? [];
    const current = timeline.find((e) => e.id === id);
    if (current) return current;
    const old = this.#retired.get(id);
    if (!old) return undefined;
    const lineage = entryLineage(old);
    let best: TimelineEntry | undefined;
    for (const e of timeline) {
      const d = Math.abs(e.atMs - old.atMs);
      if (d <= SUCCESSOR_MS && entryLineage(e) === lineage && (!best || d < Math.abs(best.atMs - old.atMs))) best = e;
    }
    return best ?? old;
  }

  #publish(type: string, data: unknown): LoggedEvent {
    const e = this.#events.append(type, data);
    for (const s of this.#subscribers) s.send(e);
    return e;
  }

  #publishStatus(): void {
    if (this.#subscribers.size === 0) return;
    const json = JSON.stringify(this.status());
    for (const s of this.#subscribers) s.send({ type: 'status', json });
  }

  status(): LiveStatus {
    const r = this.#report;
    return {
      state: this.#stopped ? 'stopped' : r ? 'live' : 'waiting',
      window: r ? r.window : null,
      clock: this.options.clock,
      clockMs: this.#clockMs ?? null,
      ticks: this.#ticks,
      analyses: this.#analyses,
      lastAnalysisMs: this.#lastAnalysisMs,
      reuse: this.#reuse(),
      files: this.#bundle.files,
      records: this.#store.records,
      viewers: this.#subscribers.size,
      lastEventId: this.#events.lastId,
      error: this.#error,
    };
  }

  #reuse(): LiveStatus['reuse'] {
    const s = this.#cache.stats();
    return { recordsClassified: s.records.classified + s.auditSamples.classified, recordsReused: s.records.reused + s.auditSamples.reused, seriesDetected: s.series.detected, seriesReused: s.series.reused, seriesRead: s.series.read, seriesUpdated: s.series.slid };
  }

  /** Everything a new viewer needs: the report with the notes in its timeline, the notes, the banner, the status. */
  snapshot(): { report: Report | null; notes: Note[]; banner: BannerView | null; status: LiveStatus; lastEventId: number } {
    const notes = this.notes();
    const report = this.#report ? mergeNotes(this.#report, notes) : null;
    return { report, notes, banner: this.#report ? buildBannerView(this.#report) : null, status: this.status(), lastEventId: this.#events.lastId };
  }

  /** The snapshot serialised, once per state: many viewers connecting at once share it. */
  #snapshotJson(): string {
    const key = this.#events.lastId;
    if (this.#snapshotCache?.key !== key) this.#snapshotCache = { key, json: JSON.stringify(this.snapshot()) };
    return this.#snapshotCache.json;
  }

  /**
   * Adds a viewer. With `afterId` (its Last-Event-ID) the events it missed are replayed; without
   * one, or when they are no longer kept, it gets a snapshot first. Returns the unsubscribe function.
   */
  subscribe(s: Subscriber, afterId?: number): () => void {
    const missed = afterId === undefined ? undefined : this.#events.since(afterId);
    if (missed) for (const e of missed) s.send(e);
    else s.send({ id: this.#events.lastId, type: 'snapshot', json: this.#snapshotJson() });
    this.#subscribers.add(s);
    return () => {
      this.#subscribers.delete(s);
    };
  }

  notes(): Note[] {
    return this.deps.notes.list(this.options.incident);
  }

  /** Stores a note and pushes it (with its timeline entry) to every viewer. */
  addNote(note: NewNote): Note {
    const saved = this.deps.notes.add(this.options.incident, note, this.#wallMs());
    this.#publish('note', { note: saved, entry: buildNoteEntry(saved) });
    return saved;
  }

  deleteNote(id: number): boolean {
    const ok = this.deps.notes.delete(this.options.incident, id);
    if (ok) this.#publish('note-deleted', { id, entryId: `note-${id}` });
    return ok;
  }

  /** The clock now: where a note without a time goes. */
  get clockMs(): number | undefined {
    return this.#clockMs;
  }

  /** The report for a postmortem: the live analysis plus the notes. */
  postmortemReport(): Report | null {
    return this.#report ? mergeNotes(this.#report, this.notes()) : null;
  }

  /** Stops ticking, ends every viewer's stream, closes the files. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    for (const s of [...this.#subscribers]) s.close();
    this.#subscribers.clear();
    await this.#bundle.close();
  }
}
