/**
 * Server and CLI configuration: the only reader of `process.env`. Environment variables are the
 * defaults, command-line flags override them; either way one zod schema checks everything at
 * start-up, every problem is listed in one `ConfigError`, and the result is frozen.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ConfigError } from '../correlators/errors.js';
import type { AnalysisWindow } from '../correlators/signals/index.js';
import { parseSecurityConfig, type SecurityConfig } from './security/config.js';
import type { SourceConfig } from './sources/config.js';
import { readSourcesFile } from './sources/sources-file.js';

/** The folder holding package.json: `templates/`, `examples/` and `server/public/` are resolved from here, never from cwd. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The bundled example: what `rootline serve` shows without `--input`. */
export const EXAMPLE_DIR = path.join(PACKAGE_ROOT, 'examples', 'etcd-disk-latency');
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'server', 'public');

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start, '..', '..');
    dir = parent;
  }
}

/** True for an IANA zone (`Europe/Berlin`), `UTC`, or a fixed offset (`UTC+02:00`). */
export function isValidZone(zone: string): boolean {
  return DateTime.fromMillis(0, { zone }).isValid;
}

/** Epoch ms of an ISO-8601 time read in UTC (an offset in the text wins), or undefined. */
export function parseIsoUtcMs(text: string): number | undefined {
  const dt = DateTime.fromISO(text, { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** One ISO-8601 time, as flags, manifests and request bodies give it. */
export const isoTimeSchema = z
  .string()
  .refine((s) => parseIsoUtcMs(s) !== undefined, 'Invalid time, expecting ISO-8601 such as 2026-01-24T08:51:50Z');

/** An analysis window as users write it: `{from, to}` ISO times, `from` before `to`. */
export const windowInputSchema = z
  .object({ from: isoTimeSchema, to: isoTimeSchema })
  .refine((w) => (parseIsoUtcMs(w.from) ?? 0) < (parseIsoUtcMs(w.to) ?? 0), { message: 'Invalid window, "to" must be after "from"', path: ['to'] });
export type WindowInput = z.infer<typeof windowInputSchema>;

/** A checked window input as the sources want it. */
export function toAnalysisWindow(w: WindowInput): AnalysisWindow {
  return { fromMs: parseIsoUtcMs(w.from) ?? Number.NaN, toMs: parseIsoUtcMs(w.to) ?? Number.NaN };
}

/** A source name as a request may give it: short, no slashes, so it can never be a path. */
export const sourceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'Invalid source name, expecting lower-case letters, digits, ".", "_" or "-" (at most 63)');

const levelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const serverConfigSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int('port must be an integer').min(0).max(65535, 'port must be 0-65535'),
  /** Zone for timestamps written without one; inferred per file when absent. */
  tz: z.string().refine(isValidZone, 'Invalid zone, expecting an IANA name such as Europe/Berlin or UTC+02:00').optional(),
  logLevel: levelSchema,
  /** Named file roots that `POST /api/analyses` may pick by name. */
  sources: z.record(sourceNameSchema, z.string().min(1)),
  defaultSource: sourceNameSchema,
  /** A folder of user templates overriding ours, by file name. */
  templateDir: z.string().min(1).optional(),
  /** Durable state (live notes: notes.sqlite); `readConfig` sets it, hand-built configs default to `.rootline`. */
  dataDir: z.string().min(1).optional(),
});
/** `security`: tokens and limits (server/security/config.ts); absent in hand-built configs, which get the defaults. */
export type ServerConfig = Readonly<z.infer<typeof serverConfigSchema> & { security?: SecurityConfig; serverSources?: Readonly<Record<string, Readonly<SourceConfig>>> }>;

/** What flags may set; undefined means "take the environment or the default". */
export interface ConfigOverrides {
  host?: string | undefined;
  port?: string | number | undefined;
  tz?: string | undefined;
  templateDir?: string | undefined;
  /** `--input DIR`: becomes the source named `input` and the default. */
  input?: string | undefined;
  /** `--config FILE`: the sources file (named Prometheus + Elasticsearch pairs); else `ROOTLINE_CONFIG`. */
  configFile?: string | undefined;
  /** `--source NAME`: the default source, a bundle or a pair of the sources file. */
  source?: string | undefined;
}

/**
 * Reads the configuration. Environment:
 * `ROOTLINE_HOST`, `ROOTLINE_PORT`, `ROOTLINE_TZ`, `ROOTLINE_LOG_LEVEL`, `ROOTLINE_TEMPLATES`,
 * `ROOTLINE_SOURCES` (`name=dir,name=dir`; `example` is always there), `ROOTLINE_DEFAULT_SOURCE`,
 * `ROOTLINE_DATA_DIR` (live notes; default `.rootline` in the working directory), `ROOTLINE_CONFIG`
 * (the sources file), and the secrets its entries name (`ROOTLINE_PROM_PASSWORD`, `ROOTLINE_ES_API_KEY`, ...).
 */
export function readConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  const sources: Record<string, string> = { example: EXAMPLE_DIR };
  for (const pair of (env.ROOTLINE_SOURCES ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) {
      problems.push(`ROOTLINE_SOURCES: invalid entry ${JSON.stringify(pair)}, expecting name=/path/to/bundle`);
      continue;
    }
    sources[pair.slice(0, eq)] = path.resolve(pair.slice(eq + 1));
  }
  let defaultSource = env.ROOTLINE_DEFAULT_SOURCE ?? 'example';
  if (overrides.input !== undefined) {
    sources.input = path.resolve(overrides.input);
    defaultSource = 'input';
  }
  if (overrides.source !== undefined) defaultSource = overrides.source;
  const configFile = overrides.configFile ?? (env.ROOTLINE_CONFIG || undefined);
  let serverSources: Readonly<Record<string, Readonly<SourceConfig>>> = {};
  if (configFile !== undefined) {
    try {
      serverSources = readSourcesFile(path.resolve(configFile), env);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  for (const name of Object.keys(serverSources)) {
    if (name in sources) problems.push(`${configFile}: source ${JSON.stringify(name)} is also a bundle folder (ROOTLINE_SOURCES, --input or the example): give it another name`);
  }
  const raw = {
    host: overrides.host ?? env.ROOTLINE_HOST ?? '127.0.0.1',
    port: overrides.port ?? env.ROOTLINE_PORT ?? 8080,
    tz: overrides.tz ?? (env.ROOTLINE_TZ || undefined),
    logLevel: env.ROOTLINE_LOG_LEVEL ?? 'warn',
    sources,
    defaultSource,
    templateDir: overrides.templateDir ?? (env.ROOTLINE_TEMPLATES || undefined),
    dataDir: path.resolve(env.ROOTLINE_DATA_DIR || '.rootline'),
  };
  const parsed = serverConfigSchema.safeParse(raw);
  const security = parseSecurityConfig(env, problems);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`));
  else if (!(parsed.data.defaultSource in parsed.data.sources) && !(parsed.data.defaultSource in serverSources)) {
    const what = overrides.source !== undefined ? '--source' : 'ROOTLINE_DEFAULT_SOURCE';
    problems.push(`${what}: unknown source ${JSON.stringify(parsed.data.defaultSource)}, expecting one of ${[...Object.keys(parsed.data.sources), ...Object.keys(serverSources)].join(', ')}`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return deepFreeze({ ...parsed.data, security, serverSources });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
