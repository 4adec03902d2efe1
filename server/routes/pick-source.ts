/**
 * Which configured source a request names: a bundle folder (`files`) or a Prometheus +
 * Elasticsearch pair from the sources file. Only names travel in requests; folders, URLs and
 * credentials stay in the server's configuration.
 */
import { InputError } from '../../correlators/errors.js';
import type { WindowInput } from '../config.js';
import { SERVER_SOURCE_KIND } from '../sources/sources-file.js';
import type { SignalSource } from '../sources/types.js';

export type SourceKind = 'files' | typeof SERVER_SOURCE_KIND;

export interface ConfiguredSources {
  /** Bundle folders by name. */
  files: Readonly<Record<string, string>>;
  /** Server pairs by name: each call gives fresh sources for one analysis. */
  servers: Readonly<Record<string, () => readonly SignalSource[]>>;
  defaultSource: string;
  /** Windows of the bundles' rootline.json. */
  windows: Readonly<Record<string, WindowInput>>;
}

export interface PickedSource {
  name: string;
  /** The folder, or `prometheus+elasticsearch:NAME` for messages. */
  dir: string;
  sources?: readonly SignalSource[];
  window: WindowInput;
}

const list = (names: string[]): string => names.join(', ') || '(none)';

export function pickSource(c: ConfiguredSources, kind: SourceKind, requested: string | undefined, window: WindowInput | undefined): PickedSource {
  const serverNames = Object.keys(c.servers);
  if (kind === 'files') {
    const name = requested ?? c.defaultSource;
    const dir = c.files[name];
    if (dir === undefined) {
      if (name in c.servers) throw new InputError(`Invalid source.kind "files" for source.name ${JSON.stringify(name)}: it is a ${SERVER_SOURCE_KIND} source, expecting source.kind "${SERVER_SOURCE_KIND}"`);
      throw new InputError(`Invalid source.name ${JSON.stringify(name)}, expecting one of: ${list(Object.keys(c.files))}`);
    }
    const w = window ?? c.windows[name];
    if (w === undefined) throw new InputError(`Missing window, expecting {"from": ISO time, "to": ISO time}: source ${JSON.stringify(name)} has no rootline.json window`);
    return { name, dir, window: w };
  }
  if (serverNames.length === 0) throw new InputError(`Invalid source.kind "${SERVER_SOURCE_KIND}": no such source is configured (the server reads them from --config FILE or ROOTLINE_CONFIG), expecting source.kind "files"`);
  const name = requested ?? (c.defaultSource in c.servers ? c.defaultSource : serverNames.length === 1 ? serverNames[0]! : undefined);
  if (name === undefined) throw new InputError(`Missing source.name, expecting one of: ${list(serverNames)}`);
  const create = c.servers[name];
  if (create === undefined) {
    if (name in c.files) throw new InputError(`Invalid source.kind "${SERVER_SOURCE_KIND}" for source.name ${JSON.stringify(name)}: it is a bundle folder, expecting source.kind "files"`);
    throw new InputError(`Invalid source.name ${JSON.stringify(name)}, expecting one of: ${list(serverNames)}`);
  }
  if (window === undefined) throw new InputError(`Missing window, expecting {"from": ISO time, "to": ISO time}: source ${JSON.stringify(name)} reads Prometheus and Elasticsearch, which have no stored window`);
  return { name, dir: `${SERVER_SOURCE_KIND}:${name}`, sources: create(), window };
}
