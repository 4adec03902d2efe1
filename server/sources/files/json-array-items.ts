/**
 * A small incremental JSON reader: yields the raw text of each element of one array (`items` of a
 * `kubectl get events -o json` List, `data.result` of a query_range response) as chunks arrive, so
 * a large document is never held whole; each element is then JSON.parse'd on its own. It tracks
 * only nesting, strings and keys; it does not validate the rest of the document (the elements'
 * JSON.parse does). Short string values near the root (`kind`, `status`, `data.resultType`) are
 * collected on the way.
 */

const MAX_ITEM_CHARS = 16 * 1024 * 1024;
const MAX_SCALAR_CHARS = 1024;

export interface ArrayItemSink {
  item(text: string, line: number): void;
  /** An element over the size cap, skipped. */
  tooLarge(line: number, head: string): void;
}

interface Frame {
  array: boolean;
  /** Dotted path of keys from the root (array elements add nothing). */
  path: string;
}

export class JsonArrayItems {
  /** `kind`, `status`, `data.resultType`, …: string values at depth 1 and 2. */
  readonly scalars = new Map<string, string>();
  found = false;
  private newlines = 0;
  private lastNewline = true;
  private readonly stack: Frame[] = [];
  private inString = false;
  private escape = false;
  private expectKey = false;
  private lastKey = '';
  private str: string[] | undefined;
  private strStart = -1;
  private captureDepth = -1;
  private item: string[] = [];
  private itemStart = -1;
  private itemChars = 0;
  private itemLine = 0;
  private itemDepth = -1;
  private itemTooLarge = false;
  private pendingScalar = '';

  constructor(private readonly target: string, private readonly sink: ArrayItemSink) {}

  /** Lines read so far (a last line without a newline counts). */
  get lines(): number {
    return this.newlines + (this.lastNewline ? 0 : 1);
  }

  push(chunk: string): void {
    const n = chunk.length;
    if (n > 0) this.lastNewline = chunk.charCodeAt(n - 1) === 10;
    let i = 0;
    if (this.itemDepth >= 0 && !this.itemTooLarge) this.itemStart = 0;
    if (this.str) this.strStart = 0;
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) this.newlines++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) {
          this.inString = false;
          if (this.str) {
            this.str.push(chunk.slice(this.strStart, i));
            this.endString(this.str.join(''));
            this.str = undefined;
          }
        }
        continue;
      }
      // an element that is a scalar ends at `,` or `]` of its array
      if (this.itemDepth >= 0 && this.itemDepth === this.stack.length && (c === 44 || c === 93)) this.endItem(chunk, i);
      switch (c) {
        case 34: {
          this.inString = true;
          this.maybeStartItem(i);
          const top = this.stack[this.stack.length - 1];
          // keys matter only on the way to the target array, not inside its elements
          const wantKey = top !== undefined && !top.array && this.expectKey && this.captureDepth < 0 && this.stack.length <= 3;
          const wantValue = top !== undefined && !top.array && !this.expectKey && this.stack.length <= 2 && this.captureDepth < 0;
          if (wantKey || wantValue) {
            this.str = [];
            this.strStart = i + 1;
            this.pendingScalar = wantKey ? '' : this.pathOf(top, this.lastKey);
          }
          break;
        }
        case 123:
        case 91: {
          this.maybeStartItem(i);
          const top = this.stack[this.stack.length - 1];
          const path = top === undefined ? '' : top.array ? top.path : this.pathOf(top, this.lastKey);
          this.stack.push({ array: c === 91, path });
          this.expectKey = c === 123;
          if (c === 91 && path === this.target && this.captureDepth < 0 && this.itemDepth < 0) {
            this.captureDepth = this.stack.length;
            this.found = true;
          }
          break;
        }
        case 125:
        case 93: {
          if (this.stack.length === this.captureDepth && c === 93) this.captureDepth = -1;
          this.stack.pop();
          if (this.itemDepth >= 0 && this.stack.length === this.itemDepth) this.endItem(chunk, i + 1);
          this.expectKey = false;
          break;
        }
        case 58:
          this.expectKey = false;
          break;
        case 44: {
          const top = this.stack[this.stack.length - 1];
          this.expectKey = top !== undefined && !top.array;
          break;
        }
        default:
          if (c !== 32 && c !== 10 && c !== 13 && c !== 9) this.maybeStartItem(i);
      }
    }
    if (this.str) this.str.push(chunk.slice(this.strStart));
    if (this.itemDepth >= 0 && !this.itemTooLarge) {
      const piece = chunk.slice(this.itemStart);
      this.itemChars += piece.length;
      if (this.itemChars > MAX_ITEM_CHARS) {
        this.itemTooLarge = true;
        this.sink.tooLarge(this.itemLine, this.item.join('').slice(0, 200));
        this.item = [];
      } else this.item.push(piece);
    }
  }

  private pathOf(top: Frame, key: string): string {
    return top.path ? `${top.path}.${key}` : key;
  }

  private endString(s: string): void {
    if (this.pendingScalar === '') {
      this.lastKey = s;
      return;
    }
    if (s.length <= MAX_SCALAR_CHARS) this.scalars.set(this.pendingScalar, s);
    this.pendingScalar = '';
  }

  private maybeStartItem(i: number): void {
    if (this.captureDepth < 0 || this.itemDepth >= 0 || this.stack.length !== this.captureDepth) return;
    this.itemDepth = this.stack.length;
    this.itemStart = i;
    this.itemLine = this.newlines + 1;
    this.item = [];
    this.itemChars = 0;
    this.itemTooLarge = false;
  }

  private endItem(chunk: string, end: number): void {
    if (!this.itemTooLarge) {
      this.item.push(chunk.slice(this.itemStart, end));
      this.sink.item(this.item.join('').trim(), this.itemLine);
    }
    this.item = [];
    this.itemDepth = -1;
    this.itemTooLarge = false;
  }
}
