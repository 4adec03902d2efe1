/** Normalised signals: vocabularies, types, the metric catalogue. */
export * from './vocabulary.js';
export * from './types.js';
export * from './metrics.js';
export * from './facts.js';
export * from './classify.js';
export * from './go-duration.js';
export * from './series-lineage.js';
