/** Builds the Report from a SignalSet: the whole analysis, pure. */
export * from './schema.js';
export { analyzeSignals, type AnalyzeOptions } from './analyze.js';
export { AnalysisCache, type CacheStats } from './analysis-cache.js';
