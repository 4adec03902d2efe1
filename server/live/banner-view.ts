/** The banner of the live page (root cause, confidence, alternatives), formatted on the server. */
import type { Report } from '../../correlators/report/index.js';
import { buildPostmortemView, type PostmortemView } from '../render/index.js';

/** What the banner and the alternatives show: sent with every changed analysis, so the page script only places text. */
export type BannerView = Pick<PostmortemView, 'title' | 'summary' | 'verdict' | 'verdictLabel' | 'rootCause' | 'alternatives'>;

export function buildBannerView(report: Report): BannerView {
  const { title, summary, verdict, verdictLabel, rootCause, alternatives } = buildPostmortemView(report);
  return { title, summary, verdict, verdictLabel, rootCause, alternatives };
}
