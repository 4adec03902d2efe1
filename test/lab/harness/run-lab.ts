/**
 * One lab run: volumes -> (delay proxy) -> etcd cluster -> node_exporter, iostat, Prometheus ->
 * steady load -> settle (the window starts after the bootstrap election) -> warm-up -> the fault
 * on the current leader -> recovery -> export the bundle -> stop everything but Prometheus, which
 * stays up for the live analysis until `teardown()`. Any failure tears everything down first.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { probeCapabilities } from './capabilities.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { MEMBER_NAMES, memberPorts, readLeader, startEtcdCluster, startLeaderPoller, type Member } from './etcd-cluster.js';
import { injectFault } from './faults.js';
import { closeSharedAgent } from './http-json.js';
import { findIoHierarchy, type IoHierarchy } from './io-cgroup.js';
import { labPorts, type LabOptions } from './lab-config.js';
import { startLoad } from './load.js';
import { startMonitoring } from './monitoring.js';
import { observeEtcd, type Observed } from './observe.js';
import { assertReplaceable, packBundle } from './pack-bundle.js';
import type { Label } from './bundle.js';
import { setTimeout as pause } from 'node:timers/promises';
import { isoMs } from './shell.js';
import { sweepLedger, sweepOrphans, Teardown } from './teardown.js';
import { cpuBetween, takeCpuSnapshot } from './cpu-account.js';
import { createCpuGroup } from './cpu-cgroup.js';
import { createVolume, findBackingDevice } from './volumes.js';

export class LabCapabilityError extends Error {
  constructor(readonly missing: string[]) {
    super(`the real-etcd lab cannot run on this machine:\n  - ${missing.join('\n  - ')}`);
    this.name = 'LabCapabilityError';
  }
}

export interface LabRun {
  options: LabOptions;
  runDir: string;
  bundleDir: string;
  label: Label;
  window: { fromMs: number; toMs: number };
  injectedMs: number;
  faultEndMs: number;
  /** The member that led at the injection (the fault's target). */
  culprit: string;
  observed: Observed;
  promUrl: string;
  /** Stops Prometheus and undoes whatever is left; returns what could not be undone. */
  teardown(): Promise<string[]>;
}

/**
 * Sweeps the ledgers of earlier runs under `baseDir` whose process is gone, then whatever those
 * runs left that no ledger lists (mounts, loop devices, cgroups named after the run).
 */
export async function sweepStaleRuns(baseDir: string): Promise<string[]> {
  if (!existsSync(baseDir)) return [];
  const out: string[] = [];
  for (const d of readdirSync(baseDir)) out.push(...(await sweepLedger(path.join(baseDir, d, 'resources.json'))));
  out.push(...(await sweepOrphans(baseDir)));
  return out;
}

/** `signal` (a test's, on timeout or cancel) aborts the run: everything is torn down, the promise rejects. */
export async function runLab(o: LabOptions, log: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<LabRun> {
  const runDir = path.join(o.baseDir, o.runId);
  assertReplaceable(o.outDir);
  mkdirSync(path.join(runDir, 'truth'), { recursive: true });
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  for (const line of await sweepStaleRuns(o.baseDir)) log(line);
  const eventsFile = path.join(runDir, 'truth', 'events.jsonl');
  const event = (name: string, fields: Record<string, unknown> = {}): void => {
    const line = { time: isoMs(Date.now()), event: name, ...fields };
    appendFileSync(eventsFile, `${JSON.stringify(line)}\n`);
    log(`${line.time} ${name} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`);
  };

  const caps = await probeCapabilities({ ports: labPorts(o), workDir: runDir });
  event('capabilities', { notes: caps.notes, missing: caps.missing });
  if (caps.missing.length > 0) throw new LabCapabilityError(caps.missing);

  const td = new Teardown(path.join(runDir, 'resources.json'));
  const onSignal = (sig: NodeJS.Signals): void => {
    void td.run().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const teardown = async (): Promise<string[]> => {
    const problems = await td.run();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    closeSharedAgent();
    await rm(path.join(runDir, 'volumes'), { recursive: true, force: true });
    await rm(path.join(runDir, 'prometheus', 'data'), { recursive: true, force: true });
    return problems;
  };

  const sleepMs = (ms: number): Promise<void> => pause(ms, undefined, signal ? { signal } : {});
  try {
    signal?.throwIfAborted();
    const hierarchy = findIoHierarchy() as IoHierarchy;
    mkdirSync(path.join(runDir, 'volumes'), { recursive: true });
    const backing = await findBackingDevice(path.join(runDir, 'volumes'));
    if ('missing' in backing) throw new LabCapabilityError([backing.missing]);
    const cpu = createCpuGroup(td, `rootline-lab-${o.runId}`);
    event('cpu', { note: cpu.note });
    const cpuGroupDir = 'dir' in cpu ? cpu.dir : undefined;
    const members: Member[] = [];
    for (const [i, name] of MEMBER_NAMES.entries()) {
      const volume = await createVolume(td, { member: name, runDir, runId: o.runId, sizeMb: o.volumeMb, writeIops: o.writeIops, hierarchy, backingMajMin: backing.majMin });
      members.push({ name, ports: memberPorts(o.portBase, i), volume, logFile: path.join(runDir, 'logs', `etcd-${name}.log`) });
      event('volume', { member: name, device: volume.deviceName, writeIopsCap: o.writeIops, throttled: `${backing.source} (${backing.majMin})`, cgroup: volume.group.dir });
    }
    let proxy: DelayProxy | undefined;
    if (o.fault === 'net') {
      proxy = await startDelayProxy(members.map((m) => ({ listen: m.ports.proxy, target: m.ports.peer })), path.join(runDir, 'truth', 'delay-proxy.log'));
      const p = proxy;
      td.addCloser('delay proxy', () => p.close());
    }
    await startEtcdCluster(td, members, { runDir, runId: o.runId, viaProxy: o.fault === 'net', ...(cpuGroupDir ? { cpuGroupDir } : {}) });
    for (const m of members) event('member', { member: m.name, id: m.id, pid: m.process?.pid });
    const poller = startLeaderPoller(members, path.join(runDir, 'truth', 'leader.txt'));
    td.addCloser('leader poller', () => poller.stop());
    const promPort = o.portBase + 90;
    const mon = await startMonitoring(td, members, { runDir, promPort, nodeExporterPort: o.portBase + 91, scrapeS: o.scrapeS, ...(cpuGroupDir ? { cpuGroupDir } : {}) });
    const load = startLoad({ clientPorts: members.map((m) => m.ports.client), putsPerS: o.putsPerS, getsPerS: o.getsPerS, valueBytes: o.valueBytes, keys: o.keys, statsFile: path.join(runDir, 'truth', 'load.txt') });
    td.addCloser('load', () => load.stop());

    await sleepMs(o.settleS * 1000);
    // whole seconds: the window the label, the CLI and the live analysis all use
    const fromMs = Math.ceil(Date.now() / 1000) * 1000;
    const cpu0 = takeCpuSnapshot(td.pids());
    event('window_start');
    await sleepMs(Math.max(0, fromMs + o.warmupS * 1000 - Date.now()));

    const view = await readLeader(members);
    const culprit = members.find((m) => m.name === view.leader);
    if (!culprit) throw new Error(`no member leads at the injection time (term ${view.term}): etcd was already unhealthy before the fault (see ${runDir}/truth/leader.txt)`);
    const cpu1 = takeCpuSnapshot(td.pids());
    const fault = injectFault(td, o, culprit, runDir, proxy);
    const injectedMs = Date.now();
    event('fault_start', { fault: o.fault, member: culprit.name, term: view.term, how: fault.how });
    await sleepMs(o.faultS * 1000);
    const cpu2 = takeCpuSnapshot(td.pids());
    await fault.clear();
    const faultEndMs = Date.now();
    event('fault_end', { member: culprit.name, leaderNow: poller.latest()?.leader });
    await sleepMs(o.recoverS * 1000);
    const toMs = Math.floor(Date.now() / 1000) * 1000;
    const cpu3 = takeCpuSnapshot(td.pids());
    const cpuUse = { baseline: cpuBetween(cpu0, cpu1), fault: cpuBetween(cpu1, cpu2), window: cpuBetween(cpu0, cpu3) };
    event('cpu_use', cpuUse);
    event('window_end', { leaderNow: poller.latest()?.leader, load: load.totals() });
    await load.stop();
    await poller.stop();
    // the last scrape of the window must land before the export
    await sleepMs((o.scrapeS + 1) * 1000);

    // a member that died (ENOSPC, a crash) makes the run something else than the fault it claims
    const died = await Promise.all(members.map((m) => Promise.race([m.process!.exited.then((how) => `${m.name} ${how}`), pause(10).then(() => '')])));
    const dead = died.filter(Boolean);
    if (dead.length) throw new Error(`etcd died during the run (${dead.join(', ')}): see ${path.join(runDir, 'logs')} and truth/etcd-*.stderr`);
    for (const m of members) if (m.process) await td.stopProcess(m.process.pid);
    const observed = await observeEtcd({
      promPort,
      logs: Object.fromEntries(members.map((m) => [m.name, m.logFile])),
      names: Object.fromEntries(members.map((m) => [m.id ?? '', m.name])),
      baselineFromMs: fromMs,
      injectedMs,
      faultEndMs,
      windowToMs: toMs,
    });
    observed.cpuUse = cpuUse;
    const packed = await packBundle({ o, runDir, members, iostatFiles: mon.iostatFiles, promPort, fromMs, toMs, injectedMs, culprit: culprit.name, how: fault.how, observed });
    event('bundle', { dir: packed.bundleDir, ...packed.stats });
    return { options: o, runDir, bundleDir: packed.bundleDir, label: packed.label, window: { fromMs, toMs }, injectedMs, faultEndMs, culprit: culprit.name, observed, promUrl: mon.promUrl, teardown };
  } catch (err) {
    const problems = await teardown();
    if (problems.length) log(`teardown problems: ${problems.join('; ')}`);
    throw err;
  }
}
