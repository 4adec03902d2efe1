/** Hostile text in every untrusted field of a Report: what a crafted log line could carry. */
import type { Report } from '../../correlators/report/index.js';

export const XSS = {
  script: '<script>alert(1)</script>',
  link: '[x](javascript:alert(1))',
  img: '<img src=x onerror=alert(1)>',
  backticks: '``code`` and `rm -rf /`',
  pipes: 'a | b | c',
  closeScript: '</script><script>alert(2)</script>',
} as const;

const all = Object.values(XSS).join(' ');

/** The sample report with the payloads placed where log text ends up. */
export function buildHostileReport(sample: Report): Report {
  const r = structuredClone(sample);
  r.title = `${XSS.script} title`;
  r.summary = `${all} summary`;
  const entry = r.timeline.find((e) => e.inChain) ?? r.timeline[0]!;
  entry.title = `${XSS.script}${XSS.pipes}`;
  entry.evidence.text = all;
  entry.lane = `${XSS.img}`;
  const top = r.hypotheses[0]!;
  top.explanation = `${XSS.link} ${XSS.script}`;
  top.actionItems = [`${XSS.link}`];
  top.chain[0]!.evidence[0]!.claim = XSS.closeScript;
  r.chain[0]!.evidence[0]!.ref!.text = all;
  r.hypotheses[1]!.evidenceAgainst = [{ claim: `${XSS.img} ${XSS.pipes}` }];
  r.sources[0]!.badSamples = [{ file: 'logs/x|y.log', line: 3, reason: XSS.backticks, excerpt: XSS.script }];
  r.dataQuality = [{ sourceId: XSS.img, status: 'degraded', message: XSS.link }];
  return r;
}
