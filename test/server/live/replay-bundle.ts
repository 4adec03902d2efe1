/**
 * Replays an incident bundle into an empty folder as if it were happening now: every line of
 * every file is written when the replay clock (the bundle's own time, compressed) reaches the
 * line's timestamp, so files grow line by line in time order across the bundle. Lines without a
 * timestamp (continuations, iostat rows, `# TYPE`) go with the line before them. Documents
 * (events JSON) are rewritten in place with the items that have happened so far.
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface TimedLine {
  atMs: number;
  text: string;
}

interface ReplayFile {
  rel: string;
  lines: TimedLine[];
  written: number;
}

interface ReplayDocument {
  rel: string;
  head: string;
  items: { atMs: number; text: string }[];
  written: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The time a line says it was written (UTC), for the formats of the bundled example; undefined when it says none. */
export function lineTimeMs(text: string, year: number): number | undefined {
  let m = /"(?:ts|stageTimestamp)":"([^"]+)"/.exec(text);
  if (m) return Date.parse(m[1]!);
  m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)/.exec(text);
  if (m && MONTHS.includes(m[1]!)) return Date.UTC(year, MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  m = /^[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(text);
  if (m) return Date.UTC(year, Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d)(\d\d)$/.exec(text.trim());
  if (m) return Date.parse(`${m[1]}${m[2]}:${m[3]}`);
  m = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?\s+\S+\s+(\d{10}(?:\.\d+)?)$/.exec(text);
  if (m) return Math.round(Number(m[1]) * 1000);
  return undefined;
}

export class BundleReplay {
  readonly #files: ReplayFile[] = [];
  readonly #docs: ReplayDocument[] = [];
  /** Lines written so far, all files. */
  written = 0;

  /** Reads `sourceDir` (every file but rootline.json) for a replay into `targetDir`. */
  constructor(sourceDir: string, readonly targetDir: string, year: number) {
    mkdirSync(targetDir, { recursive: true });
    for (const rel of listFiles(sourceDir)) {
      if (rel === 'rootline.json') continue;
      const text = readFileSync(path.join(sourceDir, rel), 'utf8');
      if (text.trimStart().startsWith('{') && /"items"\s*:\s*\[/.test(text.slice(0, 200))) {
        this.#docs.push(readDocument(rel, text));
        continue;
      }
      const raw = text.split('\n');
      if (raw[raw.length - 1] === '') raw.pop();
      const times = raw.map((l) => lineTimeMs(l, year));
      const firstKnown = times.find((t) => t !== undefined) ?? 0;
      let prev = firstKnown;
      // `# TYPE`/`# HELP` lines belong with the sample after them, other untimed lines with the line before
      const lines = raw.map((t, i) => {
        let at = times[i];
        if (at === undefined && t.startsWith('# ') && t !== '# EOF') at = times.slice(i + 1).find((x) => x !== undefined);
        at ??= prev;
        prev = at;
        return { atMs: at, text: t };
      });
      // A file sorted by family (metrics) is written in time order; ties keep their order.
      lines.sort((a, b) => a.atMs - b.atMs);
      if (lines.length && lines[lines.length - 1]!.text === '# EOF') lines[lines.length - 1]!.atMs = Infinity;
      this.#files.push({ rel, lines, written: 0 });
      mkdirSync(path.dirname(path.join(targetDir, rel)), { recursive: true });
      writeFileSync(path.join(targetDir, rel), '');
    }
  }

  /** Lines of one file written so far. */
  linesWritten(rel: string): number {
    return this.#files.find((f) => f.rel === rel)?.written ?? 0;
  }

  /** The earliest line time of the bundle. */
  get startMs(): number {
    return Math.min(...this.#files.map((f) => f.lines[0]?.atMs ?? Infinity));
  }

  /** Writes every line (and document item) timed at or before `dataMs`. Returns the lines written. */
  writeUntil(dataMs: number): number {
    let n = 0;
    for (const f of this.#files) {
      let end = f.written;
      while (end < f.lines.length && f.lines[end]!.atMs <= dataMs) end++;
      if (end === f.written) continue;
      appendFileSync(path.join(this.targetDir, f.rel), f.lines.slice(f.written, end).map((l) => `${l.text}\n`).join(''));
      n += end - f.written;
      f.written = end;
    }
    for (const d of this.#docs) {
      const due = d.items.filter((i) => i.atMs <= dataMs).length;
      if (due === d.written) continue;
      d.written = due;
      const items = d.items.filter((i) => i.atMs <= dataMs).map((i) => i.text);
      // rewritten in place (same inode), as `kubectl get events -o json > events.json` does
      writeFileSync(path.join(this.targetDir, d.rel), `${d.head}${items.join(',\n')}\n  ]\n}\n`);
      n += 1;
    }
    this.written += n;
    return n;
  }

  /** Replays from `fromMs` to `toMs` of bundle time at `speed` times real time, in steps of `stepMs`. */
  async run(fromMs: number, toMs: number, speed: number, stepMs = 50, onStep?: (dataMs: number) => void): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const dataMs = Math.min(toMs, fromMs + (performance.now() - t0) * speed);
      this.writeUntil(dataMs);
      onStep?.(dataMs);
      if (dataMs >= toMs) return;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) out.push(...listFiles(abs, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

/** A `kubectl get events -o json` List: its items with their times, and the text before them. */
function readDocument(rel: string, text: string): ReplayDocument {
  const doc = JSON.parse(text) as { items: Record<string, unknown>[] } & Record<string, unknown>;
  const items = doc.items.map((item) => {
    const t = [item.eventTime, item.firstTimestamp, item.lastTimestamp].find((x) => typeof x === 'string') as string | undefined;
    return { atMs: t ? Date.parse(t) : 0, text: `    ${JSON.stringify(item)}` };
  });
  items.sort((a, b) => a.atMs - b.atMs);
  return { rel, head: `{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n`, items, written: 0 };
}
