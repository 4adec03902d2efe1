/**
 * A steady client load through etcd's v3 gRPC gateway (JSON over keep-alive HTTP): puts of
 * `valueBytes` over a key space and linearizable gets, spread over the members. Each endpoint
 * has one writer and one reader that wait for their answer (like a client with one connection);
 * a loop that falls more than 2 s behind skips ahead rather than bursting. Once a second a line
 * `<time> puts=N gets=N errors=N p50_ms=X p99_ms=X max_ms=X` goes to the stats file.
 */
import { appendFileSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { createAgent, requestJson } from './http-json.js';
import { isoSeconds } from './shell.js';

export interface LoadOptions {
  clientPorts: number[];
  putsPerS: number;
  getsPerS: number;
  valueBytes: number;
  keys: number;
  statsFile: string;
}

export interface LoadTotals {
  puts: number;
  gets: number;
  errors: number;
}

export interface Load {
  totals(): LoadTotals;
  stop(): Promise<void>;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

export function startLoad(o: LoadOptions): Load {
  let stopped = false;
  const totals: LoadTotals = { puts: 0, gets: 0, errors: 0 };
  let second = { puts: 0, gets: 0, errors: 0, latMs: [] as number[] };
  const agent = createAgent();

  const worker = async (port: number, kind: 'put' | 'get', perS: number): Promise<void> => {
    if (perS <= 0) return;
    const intervalMs = 1000 / perS;
    let next = Date.now();
    while (!stopped) {
      next += intervalMs;
      const key = b64(`/rootline-lab/load/${String(randomInt(o.keys)).padStart(5, '0')}`);
      const body = kind === 'put' ? { key, value: b64(randomBytes(o.valueBytes / 2).toString('hex')) } : { key };
      const t0 = Date.now();
      try {
        await requestJson(port, 'POST', kind === 'put' ? '/v3/kv/put' : '/v3/kv/range', body, 5000, agent);
        second[kind === 'put' ? 'puts' : 'gets']++;
        totals[kind === 'put' ? 'puts' : 'gets']++;
        second.latMs.push(Date.now() - t0);
      } catch {
        second.errors++;
        totals.errors++;
      }
      const slack = next - Date.now();
      if (slack > 0) await new Promise((r) => setTimeout(r, slack));
      else if (slack < -2000) next = Date.now();
    }
  };

  const q = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
  const reporter = setInterval(() => {
    const s = second;
    second = { puts: 0, gets: 0, errors: 0, latMs: [] };
    const lat = s.latMs.sort((a, b) => a - b);
    appendFileSync(o.statsFile, `${isoSeconds(Date.now())} puts=${s.puts} gets=${s.gets} errors=${s.errors} p50_ms=${q(lat, 0.5)} p99_ms=${q(lat, 0.99)} max_ms=${lat[lat.length - 1] ?? 0}\n`);
  }, 1000);

  const n = o.clientPorts.length;
  const workers = o.clientPorts.flatMap((port) => [worker(port, 'put', o.putsPerS / n), worker(port, 'get', o.getsPerS / n)]);
  return {
    totals: () => ({ ...totals }),
    stop: async () => {
      stopped = true;
      clearInterval(reporter);
      await Promise.all(workers);
      agent.destroy();
    },
  };
}
