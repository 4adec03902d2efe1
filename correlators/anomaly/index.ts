/** Anomaly detection: series episodes and log bursts become Observations. */
export type { Observation, ObservationBasis } from './types.js';
export { SERIES_RULES, type SeriesRule } from './series-rules.js';
export { detectEpisodes, detectSeriesObservations, EpisodeMemo, quantile, type SeriesRange } from './episodes.js';
export { detectBursts, FactGroups, auditFact, evidenceOf, type FactRecord } from './bursts.js';
export { deriveBlocks, deriveBlocksFrom, deriveSeries, deriveAuditSeries, DERIVE_INPUTS } from './derive.js';
