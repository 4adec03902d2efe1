/**
 * Live mode: the war room follows a bundle's files (and polls servers) while the incident
 * happens, re-analyses the sliding window, and pushes what changed to every viewer over SSE.
 */
export { LiveHub, DEFAULT_LIVE_INTERVAL_MS, DEFAULT_LIVE_WINDOW_MS, DEFAULT_MAX_LIVE_SESSIONS, type LiveDefaults, type LiveHubOptions, type LiveRequest } from './live-hub.js';
export { LiveSession, type LiveClock, type LiveSessionOptions, type LiveStatus, type Subscriber } from './live-session.js';
export { loadLivePage, buildLivePageView, buildNoteView, LIVE_TEMPLATE, type LivePage, type NoteView } from './live-page.js';
export { buildBannerView, type BannerView } from './banner-view.js';
export { applySeriesDelta, diffReports, diffSeries, diffTimeline, detectNewSymptoms, buildAnalysisHead, type AnalysisHead, type LiveEvent, type SeriesAppend, type SeriesDelta, type SeriesEventData, type TimelineDelta, type DetectedSymptom } from './diff-report.js';
export { assignStableIds, entryIdentity, stableEntryId } from './stable-ids.js';
export { EventLog, type LoggedEvent } from './event-log.js';
export { buildNoteEntry, mergeNotes, NOTES_LANE } from './note-entries.js';
export { PolledSource, type PolledSourceOptions } from './poll-source.js';
export { SignalStore } from './signal-store.js';
export { LiveBundle } from './live-bundle.js';
export { FileTail, type TailChunk, type TailLine } from './tail-file.js';
export { createAppendedLineParser, liveReadModeOf, parseDocumentFile, type AppendedLineParser, type LiveReadMode } from './parse-appended.js';
export { appendSeriesParts, mergeAuditAggregates, mergeSeriesParts, trimAudit, trimSeries, truncateAudit, combineSourceReports } from './merge-signals.js';
export { buildLiveDeps, LIVE_PUBLIC_DIR, type BuildLiveDepsOptions, type LiveDeps } from './start-live.js';
