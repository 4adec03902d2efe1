#!/usr/bin/env node
/**
 * The `rootline` command: `analyze` a bundle into a Report (JSON, Markdown or HTML) or `serve` the
 * war room. With `--format json` stdout carries exactly one JSON object and nothing else (the
 * benchmark scorer parses it); everything for people goes to stderr.
 */
import { realpathSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Settings } from 'luxon';
import { z } from 'zod';
import type { Report } from '../correlators/report/index.js';
import { TEMPLATES_DIR, isValidZone, isoTimeSchema, readConfig, sourceNameSchema, toAnalysisWindow, windowInputSchema, type WindowInput } from './config.js';
import { parseDurationMs } from './sources/config.js';
import { SERVER_SOURCE_KIND } from './sources/sources-file.js';
import type { SignalSource } from './sources/types.js';
import { readBundleManifest, runAnalysis, type AnalysisRunner, type PipelineProgress } from './pipeline.js';
// format.js only: the postmortem renderers (handlebars) load when a postmortem is asked for
import { formatBytes, formatCount, formatDuration, formatPercent } from './render/format.js';

export const USAGE = `Usage:
  rootline analyze --input DIR [--from ISO --to ISO] [--format json|md|html] [--out FILE] [--tz ZONE] [--template DIR]
  rootline analyze --source NAME [--config FILE] --from ISO --to ISO [--format ...] [--out FILE] [--template DIR]
  rootline serve [--input DIR | --source NAME] [--config FILE] [--from ISO --to ISO] [--port 8080] [--host 127.0.0.1] [--tz ZONE] [--template DIR]
  rootline serve --live [--input DIR] [--source NAME [--config FILE]] [--window 30m] [--interval 2s] [--poll-interval 15s] [--clock data|wall] [--incident KEY] [--port ...]

  --input DIR     an incident bundle folder (serve: defaults to the bundled example)
  --source NAME   a configured source instead: a Prometheus + Elasticsearch pair of the sources file
                  (or a bundle named in ROOTLINE_SOURCES); serve: the source shown at /
  --config FILE   the sources file (JSON, see README "Sources"); default: ROOTLINE_CONFIG
  --from, --to    the analysis window, ISO-8601 (UTC unless an offset is given);
                  default: the window in DIR/rootline.json
  --format        json (the Report, one object on stdout; default), md or html (a postmortem draft)
  --out FILE      write the output to FILE instead of stdout
  --tz ZONE       zone of timestamps written without one (IANA name or UTC+02:00); default: inferred per file
  --template DIR  your own templates (postmortem.md.hbs, postmortem.html.hbs, war-room.html.hbs, partials/); missing ones fall back to ours
  --port, --host  where serve listens (--port 0 picks a free port)
  --live          follow the bundle while it is written: a sliding window, re-analysed as lines arrive,
                  pushed to the war room; notes are kept in ROOTLINE_DATA_DIR (default .rootline)
  --window        live: the sliding window (default 30m); --interval: how often files are read (default 2s)
                  With --source NAME (a Prometheus + Elasticsearch pair) that pair is polled, beside
                  the bundle of --input when given, instead of ROOTLINE_PROM_URL / ROOTLINE_ES_URL
  --poll-interval live: how often Prometheus / Elasticsearch (the --source pair, else ROOTLINE_PROM_URL,
                  ROOTLINE_ES_URL) are asked for the range since the last poll (default: --interval, at least 15s)
  --clock         live: data (the window ends at the newest record read; default with files) or wall
                  (the server's clock; default, and the only choice, for a --source pair without --input)
  --incident KEY  live: the key notes are stored under (default: the bundle folder)
`;

/** Exit codes: 0 done, 1 the analysis or the server failed, 2 wrong usage (the message says what to fix). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Progress lines only on a terminal. */
  stderrIsTTY: boolean;
}

/** A usage problem: printed on one line, exit 2. */
class UsageError extends Error {}

const optionalIso = isoTimeSchema.optional();
const zoneSchema = z.string().refine(isValidZone, 'Invalid zone, expecting an IANA name such as Europe/Berlin or UTC+02:00');

const analyzeFlagsSchema = z.object({
  input: z.string().min(1, 'missing, expecting a bundle folder').optional(),
  source: sourceNameSchema.optional(),
  config: z.string().min(1).optional(),
  from: optionalIso,
  to: optionalIso,
  format: z.enum(['json', 'md', 'html'], { error: 'Invalid format, expecting one of json, md, html' }).default('json'),
  out: z.string().min(1).optional(),
  tz: zoneSchema.optional(),
  template: z.string().min(1).optional(),
});

const liveDurationSchema = (what: string, minMs: number, maxMs: number) =>
  z.string().refine((s) => {
    const ms = parseDurationMs(s);
    return ms !== undefined && ms >= minMs && ms <= maxMs;
  }, `Invalid ${what}, expecting a duration such as ${what === 'window' ? '30m' : '2s'}`);

const serveFlagsSchema = z.object({
  source: sourceNameSchema.optional(),
  config: z.string().min(1).optional(),
  live: z.boolean().optional(),
  window: liveDurationSchema('window', 60_000, 24 * 3_600_000).optional(),
  interval: liveDurationSchema('interval', 250, 600_000).optional(),
  'poll-interval': liveDurationSchema('poll-interval', 1000, 3_600_000).optional(),
  clock: z.enum(['data', 'wall'], { error: 'Invalid clock, expecting data or wall' }).optional(),
  incident: z.string().min(1).max(200).optional(),
  input: z.string().min(1).optional(),
  from: optionalIso,
  to: optionalIso,
  port: z
    .string()
    .refine((p) => /^\d{1,5}$/.test(p) && Number(p) <= 65535, 'Invalid port, expecting 0-65535')
    .optional(),
  host: z.string().min(1).optional(),
  tz: zoneSchema.optional(),
  template: z.string().min(1).optional(),
});

const FLAG_OPTIONS = {
  input: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  tz: { type: 'string' },
  template: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  source: { type: 'string' },
  config: { type: 'string' },
  live: { type: 'boolean' },
  window: { type: 'string' },
  interval: { type: 'string' },
  'poll-interval': { type: 'string' },
  clock: { type: 'string' },
  incident: { type: 'string' },
} as const;

const ANALYZE_FLAGS = new Set(['input', 'source', 'config', 'from', 'to', 'format', 'out', 'tz', 'template', 'help']);
const SERVE_FLAGS = new Set(['input', 'source', 'config', 'from', 'to', 'port', 'host', 'tz', 'template', 'help', 'live', 'window', 'interval', 'poll-interval', 'clock', 'incident']);

export interface CliDeps {
  runAnalysis: AnalysisRunner;
}

/** Runs the CLI; resolves to the exit code (serve resolves once listening and keeps the process alive). */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps = { runAnalysis: (o) => runAnalysis(o) }): Promise<number> {
  const term = createTerminal(io);
  try {
    const { command, flags } = parseFlags(argv);
    if (command === undefined || command === 'help' || flags.help) {
      (command === undefined && !flags.help ? io.stderr : io.stdout).write(USAGE);
      return command === undefined && !flags.help ? EXIT.usage : EXIT.ok;
    }
    if (command === 'analyze') return await runAnalyze(flags, io, term, deps);
    if (command === 'serve') return await runServe(flags, term, io, deps);
    throw new UsageError(`unknown command ${JSON.stringify(command)}, expecting analyze or serve`);
  } catch (err) {
    term.clearProgress();
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || code === 'RL_ERR_INPUT_INVALID' || code === 'RL_ERR_CONFIG_INVALID' || code === 'RL_ERR_TEMPLATE_INVALID') {
      term.line(`rootline: ${message} (see rootline --help)`);
      return EXIT.usage;
    }
    term.line(`rootline: ${message}`);
    return EXIT.failed;
  }
}

type Flags = Record<string, string | boolean | undefined>;

function parseFlags(argv: string[]): { command: string | undefined; flags: Flags } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAG_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as { code?: string; message: string };
    const option = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? ''}`.trim());
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option ?? ''} needs a value`.replace('  ', ' '));
    throw new UsageError(e.message.split('\n')[0] ?? 'invalid arguments');
  }
  const [command, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { command, flags: parsed.values };
}

function checkFlags<T extends z.ZodType>(schema: T, command: string, allowed: Set<string>, flags: Flags, extra: string[] = []): z.infer<T> {
  const notHere = Object.keys(flags).filter((k) => flags[k] !== undefined && !allowed.has(k));
  const problems = [...notHere.map((k) => `--${k}: not an option of ${command}`), ...extra];
  const result = schema.safeParse(flags);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      const given = flags[key];
      problems.push(`--${key}: ${issue.message}${typeof given === 'string' ? ` (got ${JSON.stringify(given)})` : ''}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new UsageError(`invalid arguments to ${command}: ${problems.join('; ')}`);
  return result.data;
}

/** --from/--to when both are given, else the bundle's rootline.json window. */
async function resolveWindow(input: string, from: string | undefined, to: string | undefined): Promise<WindowInput> {
  if ((from === undefined) !== (to === undefined)) throw new UsageError(`invalid arguments: give both --from and --to, or neither (then ${path.join(input, 'rootline.json')} gives the window)`);
  if (from !== undefined && to !== undefined) {
    const checked = windowInputSchema.safeParse({ from, to });
    if (!checked.success) throw new UsageError(`invalid arguments: --to must be after --from (got --from ${from} --to ${to})`);
    return checked.data;
  }
  const manifest = await readBundleManifest(input);
  if (!manifest?.window) throw new UsageError(`invalid arguments: --from and --to are missing and ${path.join(input, 'rootline.json')} gives no window`);
  return manifest.window;
}

async function assertFolder(flag: string, dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`invalid arguments: ${flag} ${dir}: no such folder`);
}

/** What `analyze` reads: `--input DIR`, or `--source NAME` of the configuration (a server pair or a named bundle). */
async function resolveAnalyzeTarget(flags: z.infer<typeof analyzeFlagsSchema>): Promise<{ input: string; sources?: SignalSource[]; window: WindowInput }> {
  if (flags.source === undefined) {
    const input = flags.input!;
    await assertFolder('--input', input);
    return { input: path.resolve(input), window: await resolveWindow(input, flags.from, flags.to) };
  }
  if (flags.input !== undefined) throw new UsageError('invalid arguments to analyze: --input and --source exclude each other, give one');
  const config = readConfig({ configFile: flags.config, source: flags.source });
  const server = config.serverSources?.[flags.source];
  if (!server) {
    const dir = config.sources[flags.source]!;
    return { input: dir, window: await resolveWindow(dir, flags.from, flags.to) };
  }
  if (flags.from === undefined || flags.to === undefined) throw new UsageError(`invalid arguments: --source ${flags.source} reads Prometheus and Elasticsearch, which have no stored window: give --from and --to`);
  const { buildServerSources } = await import('./sources/server-sources.js');
  return { input: `${SERVER_SOURCE_KIND}:${flags.source}`, sources: buildServerSources(server), window: await resolveWindow(flags.source, flags.from, flags.to) };
}

async function runAnalyze(rawFlags: Flags, io: CliIo, term: Terminal, deps: CliDeps): Promise<number> {
  const missing = rawFlags['input'] === undefined && rawFlags['source'] === undefined ? ['--input: missing, expecting a bundle folder (or --source NAME)'] : [];
  const flags = checkFlags(analyzeFlagsSchema, 'analyze', ANALYZE_FLAGS, rawFlags, missing);
  if (flags.template !== undefined) await assertFolder('--template', flags.template);
  const target = await resolveAnalyzeTarget(flags);
  // Templates first: a broken user template fails before minutes of reading.
  const render = flags.format === 'json' ? undefined : await import('./render/index.js');
  const templates = render?.loadTemplates({ baseDir: TEMPLATES_DIR, userDir: flags.template });

  const report = await deps.runAnalysis({
    input: target.input,
    ...(target.sources ? { sources: target.sources } : {}),
    window: toAnalysisWindow(target.window),
    tz: flags.tz,
    onProgress: io.stderrIsTTY ? (p) => term.progress(describeProgress(p)) : undefined,
  });
  term.clearProgress();
  term.line(summarizeReport(report));

  const output =
    flags.format === 'json'
      ? `${JSON.stringify(report)}\n`
      : flags.format === 'md'
        ? render!.renderPostmortemMarkdown(report, templates!)
        : render!.renderPostmortemHtml(report, templates!);
  if (flags.out !== undefined) {
    await writeFile(flags.out, output, 'utf8');
    term.line(`rootline: wrote ${flags.out}`);
  } else {
    io.stdout.write(output);
  }
  return EXIT.ok;
}

async function runServe(rawFlags: Flags, term: Terminal, io: CliIo, deps: CliDeps): Promise<number> {
  const flags = checkFlags(serveFlagsSchema, 'serve', SERVE_FLAGS, rawFlags);
  const liveOnly = (['window', 'interval', 'poll-interval', 'clock', 'incident'] as const).filter((k) => flags[k] !== undefined);
  if (!flags.live && liveOnly.length > 0) throw new UsageError(`invalid arguments to serve: ${liveOnly.map((k) => `--${k}`).join(', ')} only with --live`);
  if (flags.live && (flags.from !== undefined || flags.to !== undefined)) throw new UsageError('invalid arguments to serve: --from/--to do not go with --live (the window slides: use --window)');
  if (flags.input !== undefined) await assertFolder('--input', flags.input);
  if (flags.template !== undefined) await assertFolder('--template', flags.template);
  const config = readConfig({ host: flags.host, port: flags.port, tz: flags.tz, templateDir: flags.template, input: flags.input, configFile: flags.config, source: flags.source });
  const pair = config.serverSources?.[config.defaultSource] !== undefined;
  if (flags.live && flags.source !== undefined) checkLivePair(flags.source, pair, flags.input !== undefined, flags.clock);
  const input = config.sources[config.defaultSource] ?? '';
  const window = flags.from !== undefined || flags.to !== undefined ? await resolveWindow(input, flags.from, flags.to) : undefined;
  const live = flags.live
    ? { windowMs: flags.window === undefined ? undefined : parseDurationMs(flags.window), intervalMs: flags.interval === undefined ? undefined : parseDurationMs(flags.interval), pollIntervalMs: flags['poll-interval'] === undefined ? undefined : parseDurationMs(flags['poll-interval']), clock: flags.clock, incident: flags.incident, files: pair && flags.input !== undefined ? 'input' : undefined }
    : undefined;
  // loaded here, not at the top: `analyze` never needs the HTTP server, and loading it costs start-up time (issue 6)
  const { startServer } = await import('./main.js');
  const server = await startServer({ config, window, runAnalysis: deps.runAnalysis, live });
  io.stdout.write(`rootline war room${live ? ' (live)' : ''}: ${server.url}\n`);

  const close = () => {
    void server.app.close().then(() => process.exit(EXIT.ok));
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);

  const record = server.defaultAnalysis;
  if (record) {
    void record.done.then(() => {
      if (record.report) term.line(summarizeReport(record.report));
      else {
        const err = record.error;
        term.line(`rootline: the analysis of ${config.defaultSource} failed: ${err instanceof Error ? err.message : String(err)}; the page shows the error`);
      }
    });
  }
  return EXIT.ok;
}

/**
 * `serve --live --source NAME`: a Prometheus + Elasticsearch pair, polled, with or without the
 * bundle of --input; a bundle name stands alone. The data clock needs files to read it from.
 */
function checkLivePair(source: string, isPair: boolean, withInput: boolean, clock: string | undefined): void {
  if (!isPair && withInput) throw new UsageError(`invalid arguments to serve: --source ${source} is a bundle folder and --input another: with --live, give one of them, or --source a Prometheus + Elasticsearch pair of the sources file (--config) to poll beside --input`);
  if (isPair && !withInput && clock === 'data') throw new UsageError(`invalid arguments to serve: --clock data needs a bundle's files (the newest line read) and --source ${source} polls only Prometheus and Elasticsearch: use --clock wall (the default here), or add --input DIR`);
}

/** `reading 12/20 files · 40,000 lines · 12.3 MB/s · 3 bad lines` */
export function describeProgress(p: PipelineProgress): string {
  const seconds = Math.max(p.elapsedMs, 1) / 1000;
  if (p.stage === 'ingest') {
    return `rootline: reading ${p.filesDone}/${p.filesTotal} files · ${formatCount(p.lines)} lines · ${formatBytes(p.bytesDone / seconds)}/s · ${formatCount(p.badLines)} bad lines`;
  }
  return `rootline: analysing ${formatCount(p.lines)} lines from ${formatCount(p.files)} files (${formatBytes(p.bytes)} read in ${formatDuration(p.elapsedMs)})`;
}

/** One line for stderr, always: what was read, bad lines with file:line, degraded sources, the answer. */
export function summarizeReport(report: Report): string {
  const s = report.stats;
  const parts = [`rootline: ${formatCount(s.files)} files, ${formatCount(s.lines)} lines read in ${formatDuration(s.ingestMs)}`];
  const samples = report.sources.flatMap((src) => src.badSamples.slice(0, 1).map((b) => `${b.file}:${b.line} ${b.reason}`));
  parts.push(s.badLines > 0 ? `${formatCount(s.badLines)} bad lines (${samples.slice(0, 3).join(', ')}${samples.length > 3 ? ', …' : ''})` : 'no bad lines');
  const degraded = report.sources.filter((src) => src.status !== 'ok').map((src) => `${src.sourceId} ${src.status}`);
  if (degraded.length > 0) parts.push(`degraded: ${degraded.slice(0, 5).join(', ')}${degraded.length > 5 ? `, +${degraded.length - 5} more` : ''}`);
  const top = report.hypotheses[0];
  parts.push(top ? `verdict ${report.verdict}: ${top.cause} (${formatPercent(top.confidence)})` : `verdict ${report.verdict}`);
  return parts.join('; ').replace(/[\r\n]+/g, ' ');
}

interface Terminal {
  line(text: string): void;
  progress(text: string): void;
  clearProgress(): void;
}

/** The CLI's only way to talk to people: stderr, progress redrawn in place (TTY only), at most 10 times a second. */
function createTerminal(io: CliIo): Terminal {
  let shown = false;
  let lastMs = 0;
  return {
    line(text) {
      this.clearProgress();
      io.stderr.write(`${text}\n`);
    },
    progress(text) {
      if (!io.stderrIsTTY) return;
      const now = performance.now();
      if (now - lastMs < 100) return;
      lastMs = now;
      io.stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
    clearProgress() {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Every timestamp and number prints the same on every machine, whatever its locale (and luxon
  // does not ask Intl for the system's: ~30 ms of every start-up)
  Settings.defaultLocale = 'en-US';
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`rootline: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
