/** Causal mechanisms: the knowledge base and the context they evaluate. */
export type { Mechanism, MechanismContext, Assessment, ChainStep, Topology, Coverage } from './types.js';
export { MECHANISMS } from './catalog.js';
export { find, weight, earliest, strongest, overlaps } from './helpers.js';
