/** Ranking of hypotheses with explaining away and confidence. */
export { rankCandidates, NONE_THRESHOLD, INCONCLUSIVE_THRESHOLD, type Candidate } from './rank.js';
