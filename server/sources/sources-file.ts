/**
 * The server's sources file (`--config FILE` / `ROOTLINE_CONFIG`): named Prometheus + Elasticsearch
 * pairs that requests and `analyze --source` pick by name, never by URL. Each entry is checked by
 * `parseSourceConfig`; secrets still come only from the environment it is given.
 *
 *     { "sources": { "prod": { "prometheus": { "url": "..." }, "elasticsearch": { "url": "...", "audit": { "index": "k8s-audit-*" } } } } }
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../correlators/errors.js';
import { parseSourceConfig, type Env, type SourceConfig } from './config.js';

/** The kind a request names for a configured server pair (`source.kind`). */
export const SERVER_SOURCE_KIND = 'prometheus+elasticsearch';

/** As a request may give it (config.ts `sourceNameSchema`): it can never be a path. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const sourcesFileSchema = z
  .object({ sources: z.record(z.string(), z.unknown()) })
  .strict();

const SHAPE = 'expecting {"sources": {"NAME": {"prometheus": {...}, "elasticsearch": {...}}}}';
/** Overrides that make sense for one pair only. */
const SINGLE_SOURCE_ENV = ['ROOTLINE_PROM_URL', 'ROOTLINE_ES_URL', 'ROOTLINE_PROM_USERNAME', 'ROOTLINE_ES_USERNAME', 'ROOTLINE_PROM_CA_FILE', 'ROOTLINE_ES_CA_FILE'];

/**
 * Checks a parsed sources file and resolves each entry's secrets from `env`; one ConfigError lists
 * every problem, each prefixed with `FILE: sources.NAME.`.
 */
export function parseSourcesFile(json: unknown, env: Env, file: string): Readonly<Record<string, Readonly<SourceConfig>>> {
  const parsed = sourcesFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid sources file ${file}, ${SHAPE}: ${lines.join('; ')}`);
  }
  const names = Object.keys(parsed.data.sources);
  const problems: string[] = [];
  for (const name of names.filter((n) => !NAME.test(n))) problems.push(`sources: invalid source name ${JSON.stringify(name)}, expecting lower-case letters, digits, ".", "_" or "-" (at most 63)`);
  const shared = SINGLE_SOURCE_ENV.filter((k) => env[k]);
  if (names.length > 1 && shared.length > 0) problems.push(`${shared.join(', ')} would apply to all ${names.length} sources: set these per source in the file`);
  const out: Record<string, Readonly<SourceConfig>> = {};
  for (const name of names.filter((n) => NAME.test(n))) {
    const entry = parsed.data.sources[name];
    try {
      const config = parseSourceConfig(entry, env);
      if (!config.prometheus && !config.elasticsearch) problems.push(`sources.${name}: configure prometheus, elasticsearch or both`);
      else out[name] = config;
    } catch (err) {
      const lines = (err as Error).message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
      problems.push(...(lines.length > 0 ? lines : [(err as Error).message]).map((l) => `sources.${name}.${l}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid sources file ${file}: ${problems.join('; ')}`);
  return Object.freeze(out);
}

/** Reads and checks the sources file; a missing or unparsable file is a ConfigError naming it. */
export function readSourcesFile(file: string, env: Env): Readonly<Record<string, Readonly<SourceConfig>>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the sources file ${file}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Invalid sources file ${file}: not JSON, ${SHAPE}`, { cause: err });
  }
  return parseSourcesFile(json, env, file);
}
