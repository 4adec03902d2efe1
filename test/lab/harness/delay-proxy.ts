/**
 * A TCP delay proxy for etcd peer traffic on 127.0.0.1, for kernels without `sch_netem`. Every
 * member advertises a proxy port as its peer URL, so raft streams, pipeline posts and probes all
 * cross it. While a fault is set, every chunk on a connection that involves the culprit (to its
 * peer port, or carrying `X-Server-From: <culprit id>`, the header etcd's rafthttp sends) is held
 * `delayMs +- jitterMs` in both directions; order is preserved, so this is latency, not loss.
 * @see https://github.com/etcd-io/etcd/blob/v3.4.23/etcdserver/api/rafthttp/http.go (X-Server-From)
 */
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import { isoMs } from './shell.js';

export interface DelayFault {
  delayMs: number;
  jitterMs: number;
  /** The culprit's real peer port. */
  port: number;
  /** The culprit's member id, hex. */
  memberId: string;
}

export interface DelayProxy {
  setFault(fault: DelayFault | undefined): void;
  /** Chunks held so far. */
  delayedChunks(): number;
  close(): Promise<void>;
}

const FROM_RE = /\r\nX-Server-From: *([0-9a-f]+)\r\n/i;

/** A FIFO that writes each chunk to `to` at its time, never before an earlier chunk. */
function delayedWriter(to: net.Socket): { push(chunk: Buffer, holdMs: number): void; end(): void } {
  const queue: { at: number; chunk: Buffer }[] = [];
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ending = false;
  const drain = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - now);
    else if (ending && !to.destroyed) to.end();
  };
  return {
    push(chunk, holdMs) {
      const at = Math.max(Date.now() + holdMs, lastAt);
      lastAt = at;
      queue.push({ at, chunk });
      if (!timer) drain();
    },
    end() {
      ending = true;
      if (!timer && queue.length === 0 && !to.destroyed) to.end();
    },
  };
}

/** Listens on each `listen` port and forwards to its `target` port. */
export async function startDelayProxy(pairs: { listen: number; target: number }[], logFile: string): Promise<DelayProxy> {
  let fault: DelayFault | undefined;
  let delayed = 0;
  const sockets = new Set<net.Socket>();
  const log = (line: string): void => appendFileSync(logFile, `${isoMs(Date.now())} ${line}\n`);

  const hold = (): number => {
    if (!fault) return 0;
    return Math.max(0, fault.delayMs + (Math.random() * 2 - 1) * fault.jitterMs);
  };

  const servers = pairs.map(({ listen, target }) =>
    net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      sockets.add(client);
      sockets.add(upstream);
      let from = '';
      let firstSeen = false;
      const involved = (): boolean => fault !== undefined && (target === fault.port || (from !== '' && from === fault.memberId.toLowerCase()));
      const toUpstream = delayedWriter(upstream);
      const toClient = delayedWriter(client);
      client.on('data', (chunk: Buffer) => {
        if (!firstSeen) {
          firstSeen = true;
          from = FROM_RE.exec(chunk.toString('latin1'))?.[1]?.toLowerCase() ?? '';
        }
        const d = involved() ? hold() : 0;
        if (d > 0) delayed++;
        toUpstream.push(chunk, d);
      });
      upstream.on('data', (chunk: Buffer) => {
        const d = involved() ? hold() : 0;
        if (d > 0) delayed++;
        toClient.push(chunk, d);
      });
      client.on('end', () => toUpstream.end());
      upstream.on('end', () => toClient.end());
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', kill);
      upstream.on('error', kill);
      client.on('close', kill);
      upstream.on('close', kill);
    }),
  );
  await Promise.all(
    servers.map(
      (s, i) =>
        new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(pairs[i]!.listen, '127.0.0.1', () => resolve());
        }),
    ),
  );
  log(`listening ${pairs.map((p) => `${p.listen}->${p.target}`).join(' ')}`);
  return {
    setFault(f) {
      fault = f;
      log(`fault ${f ? JSON.stringify(f) : 'cleared'}`);
    },
    delayedChunks: () => delayed,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      log(`closed after holding ${delayed} chunks`);
    },
  };
}
