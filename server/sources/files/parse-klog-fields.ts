/**
 * klog structured messages: `"Message text" key="quoted value" n=7 pods=["a/b"]`. Quoted values are
 * Go strconv.Quote strings (`\"`, `\\`, `\n`, `\x1b`, `\u00e9`); unquoted numbers and booleans
 * become numbers and booleans. A message that does not start with a quote is free text; its
 * `key=value` tokens are still extracted, the text stays the message.
 * @see https://github.com/kubernetes/community/blob/master/contributors/devel/sig-instrumentation/migration-to-structured-logging.md
 */
import type { RecordFields } from './file-context.js';

const MAX_FIELDS = 64;
const MAX_VALUE_CHARS = 2000;

/** Reads a Go-quoted string starting at `start` (a `"`); returns the value and the index after it. */
export function readGoQuoted(s: string, start: number): { value: string; end: number } | undefined {
  let out = '';
  let i = start + 1;
  let run = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      out += s.slice(run, i);
      return { value: out, end: i + 1 };
    }
    if (c !== 92) {
      i++;
      continue;
    }
    out += s.slice(run, i);
    const e = s[i + 1];
    let adv = 2;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x':
      case 'u':
      case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + len);
        const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
        if (Number.isNaN(code) || code > 0x10ffff) return undefined;
        out += String.fromCodePoint(code);
        adv = 2 + len;
        break;
      }
      default: {
        const oct = s.slice(i + 1, i + 4);
        if (!/^[0-7]{3}$/.test(oct)) return undefined;
        out += String.fromCharCode(parseInt(oct, 8));
        adv = 4;
      }
    }
    i += adv;
    run = i;
  }
  return undefined;
}

/** Index after a `[...]` / `{...}` value (quotes respected), or the end of the text. */
function skipBalanced(s: string, start: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return s.length;
}

function typed(v: string): string | number | boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) && v.length < 16) return Number(v);
  return v;
}

function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 47;
}

/** `key=value` pairs from `from` on; stops at the first token that is not one when `strict`. */
export function parseKeyValues(s: string, from: number, fields: RecordFields, strict: boolean): void {
  let i = from;
  let n = 0;
  while (i < s.length && n < MAX_FIELDS) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    const keyStart = i;
    while (i < s.length && isKeyChar(s.charCodeAt(i))) i++;
    if (i === keyStart || s[i] !== '=' || !/^[A-Za-z_]/.test(s[keyStart] ?? '')) {
      if (strict) return;
      // free text: skip the token (a quoted run as a whole) and look again
      if (s[i] === '"') {
        const q = readGoQuoted(s, i);
        i = q ? q.end : s.length;
      }
      while (i < s.length && s[i] !== ' ' && s[i] !== '\t') i++;
      continue;
    }
    const key = s.slice(keyStart, i);
    i++;
    let value: string | number | boolean;
    const c = s[i];
    if (c === '"') {
      const q = readGoQuoted(s, i);
      if (!q) return;
      value = q.value;
      i = q.end;
    } else if (c === '[' || c === '{') {
      const end = skipBalanced(s, i);
      value = s.slice(i, end);
      i = end;
    } else if (c === '<' && (i + 1 >= s.length || s[i + 1] === '\n')) {
      // klog multi-line value `key=<` : its lines follow as continuation lines
      value = '';
      i++;
    } else {
      const start = i;
      while (i < s.length && s[i] !== ' ' && s[i] !== '\t') i++;
      value = typed(s.slice(start, i));
    }
    if (typeof value === 'string' && value.length > MAX_VALUE_CHARS) value = value.slice(0, MAX_VALUE_CHARS);
    fields[key] = value;
    n++;
  }
}

/** Splits a klog message into its text and structured fields. */
export function parseKlogMessage(text: string): { message: string; fields: RecordFields } {
  const fields: RecordFields = {};
  if (text.charCodeAt(0) === 34) {
    const q = readGoQuoted(text, 0);
    if (q) {
      parseKeyValues(text, q.end, fields, true);
      return { message: q.value, fields };
    }
  }
  if (text.indexOf('=') >= 0) parseKeyValues(text, 0, fields, false);
  return { message: text, fields };
}
