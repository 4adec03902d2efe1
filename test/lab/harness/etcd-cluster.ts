/**
 * Three etcd members cp-1..cp-3 on 127.0.0.1, each on its own volume and in its own I/O cgroup,
 * logging zap JSON to `logs/etcd-<member>.log`. With a delay proxy, each member advertises the
 * proxy's port as its peer URL, so all peer traffic crosses the proxy. Leader and term are read
 * through the v3 gRPC gateway (`/v3/maintenance/status`); member ids are printed in hex, as etcd's
 * own log lines name them.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { requestJson } from './http-json.js';
import { startProcess, type Started } from './processes.js';
import { isoMs, waitFor } from './shell.js';
import type { Teardown } from './teardown.js';
import type { Volume } from './volumes.js';

export interface MemberPorts {
  client: number;
  peer: number;
  metrics: number;
  /** The delay proxy's listening port for this member's peer traffic. */
  proxy: number;
}

export interface Member {
  name: string;
  ports: MemberPorts;
  volume: Volume;
  logFile: string;
  process?: Started;
  /** Hex member id, once the cluster is up. */
  id?: string;
}

export const MEMBER_NAMES = ['cp-1', 'cp-2', 'cp-3'] as const;

/** Ports of member `i` from a base: client base+10i, peer +1, metrics +2, proxy +3. */
export function memberPorts(base: number, i: number): MemberPorts {
  const p = base + 10 * i;
  return { client: p, peer: p + 1, metrics: p + 2, proxy: p + 3 };
}

export interface ClusterOptions {
  runDir: string;
  runId: string;
  viaProxy: boolean;
  /** The lab's CPU group, joined besides the member's I/O group. */
  cpuGroupDir?: string;
}

export async function startEtcdCluster(td: Teardown, members: Member[], o: ClusterOptions): Promise<void> {
  const advertised = (m: Member) => `http://127.0.0.1:${o.viaProxy ? m.ports.proxy : m.ports.peer}`;
  const initial = members.map((m) => `${m.name}=${advertised(m)}`).join(',');
  for (const m of members) {
    m.process = startProcess(
      td,
      `etcd ${m.name}`,
      'etcd',
      [
        '--name', m.name,
        '--data-dir', path.join(m.volume.mountDir, 'data'),
        '--listen-client-urls', `http://127.0.0.1:${m.ports.client}`,
        '--advertise-client-urls', `http://127.0.0.1:${m.ports.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${m.ports.peer}`,
        '--initial-advertise-peer-urls', advertised(m),
        '--listen-metrics-urls', `http://127.0.0.1:${m.ports.metrics}`,
        '--initial-cluster', initial,
        '--initial-cluster-token', `rootline-lab-${o.runId}`,
        '--initial-cluster-state', 'new',
        '--logger', 'zap',
        '--log-outputs', m.logFile,
      ],
      { logFile: path.join(o.runDir, 'truth', `etcd-${m.name}.stderr`), cgroupDirs: [m.volume.group.dir, ...(o.cpuGroupDir ? [o.cpuGroupDir] : [])] },
    );
  }
  await waitFor(
    'a healthy etcd cluster (GET /health on every member)',
    async () => {
      for (const m of members) {
        const h = (await requestJson(m.ports.client, 'GET', '/health', undefined, 2000)) as { health?: string };
        if (h.health !== 'true') return undefined;
      }
      return true;
    },
    60_000,
  );
  const list = (await requestJson(members[0]!.ports.client, 'POST', '/v3/cluster/member/list', {}, 5000)) as { members?: { ID?: string; name?: string }[] };
  for (const m of list.members ?? []) {
    const member = members.find((x) => x.name === m.name);
    if (member && m.ID) member.id = BigInt(m.ID).toString(16);
  }
  const unnamed = members.filter((m) => !m.id).map((m) => m.name);
  if (unnamed.length > 0) throw new Error(`etcd member list lacks ${unnamed.join(', ')}: ${JSON.stringify(list)}`);
}

export interface LeaderView {
  atMs: number;
  /** Member name, or `none` when no member says it leads. */
  leader: string;
  /** Highest raft term any member reports. */
  term: number;
}

/** Who leads now, asked of every member (a member that does not answer is skipped). */
export async function readLeader(members: Member[]): Promise<LeaderView> {
  const atMs = Date.now();
  const answers = await Promise.all(
    members.map((m) =>
      requestJson(m.ports.client, 'POST', '/v3/maintenance/status', {}, 900).then(
        (s) => s as { leader?: string; raftTerm?: string; header?: { member_id?: string } },
        () => undefined,
      ),
    ),
  );
  let leader = 'none';
  let term = 0;
  for (const a of answers) {
    if (!a) continue;
    term = Math.max(term, Number(a.raftTerm ?? 0));
    if (a.leader && a.header?.member_id && a.leader === a.header.member_id) {
      const hex = BigInt(a.leader).toString(16);
      leader = members.find((m) => m.id === hex)?.name ?? leader;
    }
  }
  return { atMs, leader, term };
}

/** Writes `<time> <leader> <term>` to `file` every second until stopped. */
export function startLeaderPoller(members: Member[], file: string): { stop: () => Promise<void>; latest: () => LeaderView | undefined } {
  let latest: LeaderView | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      latest = await readLeader(members);
      appendFileSync(file, `${isoMs(latest.atMs)} ${latest.leader} ${latest.term}\n`);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  return {
    latest: () => latest,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
