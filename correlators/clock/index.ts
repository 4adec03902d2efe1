/** Clock alignment: per-source offsets from shared anchors. */
export { estimateOffsets, type AnchorFact, type SourceOffset } from './estimate.js';
