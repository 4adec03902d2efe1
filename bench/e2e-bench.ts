/**
 * End to end: `rootline analyze --format json` on every development bundle (a folder of cases with
 * bundle/ and label.json, as ../shared/bench/scenarios), timed from spawn to exit, Node start-up
 * included.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { measure } from './measure.js';

export interface E2eRun {
  id: string;
  wallMs: number;
  maxRssMB: number | undefined;
  cpuS: number | undefined;
  ok: boolean;
}

export async function runE2e(scenarios: string, cli: string): Promise<E2eRun[]> {
  const out: E2eRun[] = [];
  for (const id of (await readdir(scenarios)).sort()) {
    const dir = path.join(scenarios, id);
    if (!existsSync(path.join(dir, 'label.json')) || !existsSync(path.join(dir, 'bundle'))) continue;
    const label = JSON.parse(await readFile(path.join(dir, 'label.json'), 'utf8')) as { window: { from: string; to: string } };
    const m = await measure(process.execPath, [cli, 'analyze', '--input', path.join(dir, 'bundle'), '--from', label.window.from, '--to', label.window.to, '--format', 'json'], { discardStdout: true });
    out.push({ id, wallMs: m.wallMs, maxRssMB: m.maxRssMB, cpuS: m.cpuS, ok: m.exitCode === 0 });
  }
  return out;
}
