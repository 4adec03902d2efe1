/** The shape every format parser has towards the reader. */
import type { Component } from '../../../correlators/signals/index.js';
import type { FileContext } from './file-context.js';

export interface LineHandler {
  line(text: string, lineNo: number): void;
  end(): void;
}

/** Formats read as text chunks rather than lines (JSON documents, whose lines may be huge). */
export interface ChunkHandler {
  chunk(text: string): void;
  end(): void;
}

/** What the sniffer learned beside the format name. */
export interface SniffResult {
  format: string;
  /** Component read from content when the path says nothing. */
  component?: Component;
}

export interface FormatParser {
  /**
   * Timestamps without a zone: `infer` (the reader infers one per file, or takes --tz, before
   * parsing), `option` (UTC unless --tz), `none` (timestamps carry their zone).
   */
  zone: 'infer' | 'option' | 'none';
  /** Zone-less formats: the wall-clock time of a line read as UTC (first pass). */
  wallTimeOf?: (text: string, ctx: FileContext) => number | undefined;
  lines?: (ctx: FileContext, sniff: SniffResult) => LineHandler;
  chunks?: (ctx: FileContext, sniff: SniffResult) => ChunkHandler;
}
