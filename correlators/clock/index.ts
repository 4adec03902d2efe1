/** Clock alignment: per-source offsets from shared anchors, fact trains and co-measured series. */
export { estimateOffsets, type AnchorFact, type SourceOffset } from './estimate.js';
export { factTrainEdges, FactTrains, seriesLagEdge, type TimedFact, type OffsetEdge } from './cross-source.js';
