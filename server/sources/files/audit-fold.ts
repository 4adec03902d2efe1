/**
 * The audit-log parser's fold: every line of a file, or of one byte range of it, into an
 * AuditAggregator (`range` mode: `partial()` hands the state back to be merged in file order,
 * see audit-merge.ts and audit-ranges.ts).
 */
import { AuditAggregator, sampleKind, type AuditFoldMode, type AuditState } from './audit-aggregate.js';
import { mergeAuditState } from './audit-merge.js';
import type { FileContext } from './file-context.js';
import { counted, wasWere } from './file-context.js';
import type { FormatParser, LineHandler } from './line-handler.js';
import { buildAuditSample, parseAuditLine } from './parse-audit.js';

/** Stages that end a request; RequestReceived / ResponseStarted would count it twice. */
function isFinalStage(stage: string | undefined): boolean {
  return stage === undefined || stage === 'ResponseComplete' || stage === 'Panic';
}

export class AuditFold implements LineHandler {
  readonly agg: AuditAggregator;
  otherStages = 0;

  constructor(private readonly ctx: FileContext, mode: AuditFoldMode = 'whole') {
    this.agg = new AuditAggregator(ctx.sourceId, ctx.window, ctx.hints.host, mode);
  }

  line(text: string, lineNo: number): void {
    if (!text) return;
    const ctx = this.ctx;
    const r = parseAuditLine(text);
    if (!r.ok) return ctx.bad(lineNo, r.reason, text);
    const a = r.value;
    ctx.report.records++;
    ctx.seen(a.atMs);
    if (!isFinalStage(a.stage)) {
      this.otherStages++;
      return;
    }
    const agg = this.agg;
    const latencyMs = a.receivedMs === undefined ? undefined : a.atMs - a.receivedMs;
    if (!agg.add(a.atMs, a.verb, a.code, a.userAgent, a.watch ? undefined : latencyMs)) return;
    for (const name of a.latencyAnnotations) agg.addAnnotation(name);
    const kind = sampleKind(a.code ?? 0, a.watch ? undefined : latencyMs);
    if (kind && agg.wantSample(kind)) agg.addSample(buildAuditSample(text, a, latencyMs ?? 0, ctx.sourceId, lineNo), kind);
  }

  /** What a byte range hands back. */
  partial(): AuditPartial {
    return { state: this.agg.state, otherStages: this.otherStages };
  }

  /** Adds a later range's partial (see {@link mergeAuditState}). */
  merge(p: AuditPartial, lineOffset: number): void {
    mergeAuditState(this.agg, p.state, lineOffset);
    this.otherStages += p.otherStages;
  }

  end(): void {
    const { ctx, agg, otherStages } = this;
    ctx.audit.push(agg.build());
    if (agg.outside > 0) ctx.limit(`${counted(agg.outside, 'audit event', 'audit events')} outside the analysis window ${wasWere(agg.outside)} not aggregated`);
    if (otherStages > 0) ctx.limit(`${counted(otherStages, 'audit event', 'audit events')} at a stage other than ResponseComplete ${wasWere(otherStages)} not counted`);
    if (agg.agentsOverflow) ctx.limit('more than 10000 user agents: the rest are counted as "(other user agents)"');
  }
}

export interface AuditPartial {
  state: AuditState;
  otherStages: number;
}

export const auditParser: FormatParser = { zone: 'none', lines: (ctx) => new AuditFold(ctx) };
