/**
 * What the server needs for live mode, assembled at start-up: the hub (its notes store opened
 * under the data folder on first use), the live page template, and the servers to poll.
 */
import path from 'node:path';
import { PACKAGE_ROOT } from '../config.js';
import type { SignalSource } from '../sources/types.js';
import { NotesStore } from '../store/index.js';
import { LiveHub, type LiveDefaults } from './live-hub.js';
import { loadLivePage, type LivePage } from './live-page.js';

/** The live page's own script and stylesheet. */
export const LIVE_PUBLIC_DIR = path.join(PACKAGE_ROOT, 'server', 'live', 'public');

export interface LiveDeps {
  hub: LiveHub;
  page: LivePage;
  publicDir: string;
}

export interface BuildLiveDepsOptions {
  /** Where notes.sqlite lives (ROOTLINE_DATA_DIR). */
  dataDir: string;
  templatesDir: string;
  templateDir?: string | undefined;
  defaults: LiveDefaults;
  polled?: readonly SignalSource[];
}

export function buildLiveDeps(options: BuildLiveDepsOptions): LiveDeps {
  const page = loadLivePage(options.templatesDir, options.templateDir);
  const hub = new LiveHub({ openNotes: () => NotesStore.open(options.dataDir), defaults: { ...options.defaults, polled: options.polled ?? options.defaults.polled } });
  return { hub, page, publicDir: LIVE_PUBLIC_DIR };
}
