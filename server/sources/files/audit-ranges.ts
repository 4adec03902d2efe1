/**
 * Puts an audit log read as byte ranges back together: range results arrive in any order and are
 * merged in file order (line numbers shifted by the lines before each range), giving the same
 * FileContext as one pass. When a range hit a cap that makes the merge order-dependent (more than
 * 10000 user agents, more than 64 verbs, codes or annotations), the file must be read in one pass.
 */
import type { AnalysisWindow } from '../../../correlators/signals/index.js';
import { isMergeable } from './audit-merge.js';
import { FileContext, MAX_BAD_SAMPLES } from './file-context.js';
import type { BundleFile } from './list-files.js';
import { AuditFold } from './audit-fold.js';
import { hintsFromPath } from './path-hints.js';
import { failureMessage, type AuditRangeResult, type ReadFailure } from './read-file.js';

export class AuditRangeMerger {
  readonly ctx: FileContext;
  private readonly fold: AuditFold;
  private readonly pending = new Map<number, AuditRangeResult>();
  private next = 0;
  private lineOffset = 0;
  private failure: ReadFailure | undefined;
  private parserFailed = false;
  /** Set when the ranges cannot be merged exactly: read the file in one pass instead. */
  unmergeable = false;

  constructor(file: BundleFile, window: AnalysisWindow, private readonly count: number) {
    this.ctx = new FileContext(file.relPath, window, hintsFromPath(file.relPath), undefined, file.bytes);
    this.ctx.report.format = 'kube-audit';
    this.fold = new AuditFold(this.ctx);
  }

  get done(): boolean {
    return this.next === this.count || this.unmergeable;
  }

  /** Takes range `index`'s result; merges every range that is now next in file order. */
  add(index: number, result: AuditRangeResult): void {
    this.pending.set(index, result);
    for (let r = this.pending.get(this.next); r && !this.unmergeable; r = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.mergeNext(r);
      this.next++;
    }
  }

  private mergeNext(r: AuditRangeResult): void {
    if (r.partial && !isMergeable(r.partial.state)) {
      this.unmergeable = true;
      this.pending.clear();
      return;
    }
    const report = this.ctx.report;
    const part = r.report;
    report.lines += part.lines;
    report.records += part.records;
    report.badLines += part.badLines;
    for (const b of part.badSamples) if (report.badSamples.length < MAX_BAD_SAMPLES) report.badSamples.push({ ...b, line: b.line + this.lineOffset });
    if (part.firstMs !== undefined) this.ctx.seen(part.firstMs);
    if (part.lastMs !== undefined) this.ctx.seen(part.lastMs);
    if (r.partial) this.fold.merge(r.partial, this.lineOffset);
    if (r.failure) {
      this.failure ??= { ...r.failure, lines: this.lineOffset + r.failure.lines };
      if (r.failure.kind === 'parser error') this.parserFailed = true;
    }
    this.lineOffset += part.lines;
  }

  /** The merged file, as one pass would have left it (not yet finished). */
  finish(): FileContext {
    if (!this.done || this.unmergeable) throw new Error('audit ranges are not all merged');
    // a parser bug leaves no aggregate, as in one pass
    if (!this.parserFailed) this.fold.end();
    if (this.failure) {
      const report = this.ctx.report;
      report.status = report.records > 0 ? 'degraded' : 'failed';
      report.message = failureMessage(this.failure);
    }
    return this.ctx;
  }
}
