/**
 * Bringing the lab up and down: namespaces, veth links, addresses, routes, sysctls, the subscribers' resolv.conf,
 * the PKI, the ASN registry and the daemons. Only ever touches `bw-` namespaces, files under the state directory
 * and `/etc/netns/bw-*`; never the host's own interfaces, routes, firewall or /etc/resolv.conf.
 *
 *   bw-inet ──to-ispN/up0── bw-ispN (router: resolver, censor) ──sub0/eth0── bw-ispN-sub (probe)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { callControl } from './control.ts';
import type { InternetConfig } from './daemons/internet.ts';
import type { IspConfig } from './daemons/isp.ts';
import { run, runIn } from './exec.ts';
import { labEntryCommand } from './node-entry.ts';
import { createLabAuthorities, issueSiteCert, toCertifiedKey } from './pki.ts';
import {
  createPlan,
  DOH_NAME,
  HELPER_NAME,
  HELPER_PORT,
  INFRA,
  INFRA_ASN,
  INTERNET_NS,
  type IspPlan,
  type LabPlan,
  NAMESPACE_PREFIX,
} from './plan.ts';
import { DNS_INTERCEPT_PORT_BASE } from './policy.ts';
import { DEFAULT_SITES, type SiteSpec } from './sites.ts';
import { type LabState, type Made, readState, recordMade, statePaths, writeState } from './state.ts';

const LAB_SRC = new URL('.', import.meta.url).pathname;
const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
export const BLOCKWATCH_BIN = join(REPO_ROOT, 'packages/blockwatch/bin/blockwatch.js');
const DAEMON_READY_TIMEOUT_MS = 60_000;

export type Log = (line: string) => void;

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new BlockwatchError('BW_ERR_NOT_ROOT', 'the lab needs root (network namespaces, iptables): run it as root');
  }
}

/** Resolvers outside the ISPs that subscribers may query directly; queries to them can be diverted on-path. */
export const FOREIGN_RESOLVERS = [INFRA.publicResolver, INFRA.authoritative];

export interface UpOptions {
  stateDir: string;
  ispCount: number;
  log: Log;
}

/** Brings the lab up; returns the existing lab when it already runs (idempotent). */
export async function labUp(opts: UpOptions): Promise<LabState> {
  requireRoot();
  return withLabLock(opts.stateDir, () => up(opts));
}

async function up(opts: UpOptions): Promise<LabState> {
  const { stateDir } = opts;
  const t0 = Date.now();
  const log = (line: string) => opts.log(`${line} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const existing = readState(stateDir);
  if (existing?.status === 'up' && (await isHealthy(stateDir, existing))) {
    if (existing.ispCount !== opts.ispCount) {
      throw new BlockwatchError(
        'BW_ERR_LAB',
        `the lab is up with ${existing.ispCount} ISPs; run 'blockwatch lab down' first to change to ${opts.ispCount}`,
      );
    }
    log('lab already up');
    return existing;
  }
  if (existing || (await listLabNamespaces()).length) {
    log('cleaning up a previous lab that did not finish');
    await down({ stateDir, log: () => {} });
  }
  await checkTools();

  const paths = statePaths(stateDir);
  for (const d of [stateDir, paths.pki, paths.logs]) mkdirSync(d, { recursive: true });
  const state: LabState = {
    version: 1,
    status: 'starting',
    startedAt: new Date().toISOString(),
    ispCount: opts.ispCount,
    made: [],
    policies: {},
    helper: { unavailable: 'not started yet' },
  };
  writeState(stateDir, state);
  const plan = createPlan(opts.ispCount);

  // PKI first: it only writes files, and every daemon needs it.
  const authorities = await createLabAuthorities();
  writeFileSync(paths.labCa, authorities.labRoot.cert);
  writeFileSync(paths.nationalCa, authorities.nationalRoot.cert);

  log(`creating ${1 + 2 * plan.isps.length} namespaces`);
  await buildNetwork(stateDir, state, plan);
  writeFileSync(paths.registry, `${JSON.stringify(registryEntries(plan, DEFAULT_SITES), null, 2)}\n`);
  writeFileSync(paths.sites, `${JSON.stringify({ sites: DEFAULT_SITES }, null, 2)}\n`);

  log('starting daemons');
  const internet: InternetConfig = {
    controlSocket: paths.control('inet'),
    labRoot: toCertifiedKey(authorities.labRoot),
    authoritative: INFRA.authoritative,
    publicResolver: INFRA.publicResolver,
    doh: INFRA.doh,
    dohName: DOH_NAME,
    names: { [DOH_NAME]: INFRA.doh, [HELPER_NAME]: INFRA.helper },
    sites: [...DEFAULT_SITES],
  };
  const helper = await spawnHelper(stateDir, state);
  const daemons: Promise<void>[] = [startDaemon(stateDir, state, 'inet', INTERNET_NS, 'internet', internet)];
  for (const isp of plan.isps) {
    const config: IspConfig = {
      controlSocket: paths.control(isp.id),
      isp,
      upstream: INFRA.authoritative,
      dnsIntercepts: FOREIGN_RESOLVERS.map((resolver, i) => ({ resolver, localPort: DNS_INTERCEPT_PORT_BASE + i })),
      nationalIntermediate: toCertifiedKey(authorities.nationalIntermediate),
      ispRoot: toCertifiedKey(authorities.ispRoot),
      labRootCert: authorities.labRoot.cert,
      hostingCert: await issueSiteCert(authorities, [`www.hosting-${isp.id}.lab`], 'valid'),
    };
    daemons.push(startDaemon(stateDir, state, isp.id, isp.routerNs, 'isp', config));
  }
  await Promise.all(daemons);
  state.helper = await waitHelper(stateDir, helper);
  if ('unavailable' in state.helper) log(`control helper not started: ${state.helper.unavailable}`);
  state.status = 'up';
  writeState(stateDir, state);
  log('lab up');
  return state;
}

async function checkTools(): Promise<void> {
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['iptables-restore', ['--version']],
    ['tc', ['-V']],
  ] as const) {
    await run(tool, [...args]).catch((err) => {
      throw new BlockwatchError(
        'BW_ERR_LAB',
        `${(err as Error).message}; install iproute2 and iptables (apt-get install iproute2 iptables)`,
      );
    });
  }
}

async function buildNetwork(stateDir: string, state: LabState, plan: LabPlan): Promise<void> {
  const namespaces = [INTERNET_NS, ...plan.isps.flatMap((i) => [i.routerNs, i.subscriberNs])];
  for (const ns of namespaces) {
    recordMade(stateDir, state, { kind: 'netns', name: ns });
    await run('ip', ['netns', 'add', ns]);
  }
  // veth pairs are created directly inside the namespaces: no interface ever appears in the host namespace.
  // They vanish with their namespaces, so recording the namespaces is enough to clean them up.
  await run('ip', ['-batch', '-'], {
    input: plan.isps
      .flatMap((isp) => [
        `link add ${isp.transit.internetIf} netns ${INTERNET_NS} type veth peer name ${isp.transit.routerIf} netns ${isp.routerNs}`,
        `link add ${isp.access.routerIf} netns ${isp.routerNs} type veth peer name ${isp.access.subscriberIf} netns ${isp.subscriberNs}`,
      ])
      .map((line) => `${line}\n`)
      .join(''),
  });
  const batch = (ns: string, lines: string[]) =>
    run('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  await batch(INTERNET_NS, [
    'link set lo up',
    ...plan.isps.flatMap((isp) => [
      `addr add ${isp.transit.internet}/30 dev ${isp.transit.internetIf}`,
      `link set ${isp.transit.internetIf} up`,
      `route add ${isp.prefix} via ${isp.transit.router}`,
    ]),
  ]);
  for (const isp of plan.isps) {
    await batch(isp.routerNs, [
      'link set lo up',
      `addr add ${isp.transit.router}/30 dev ${isp.transit.routerIf}`,
      `link set ${isp.transit.routerIf} up`,
      `addr add ${isp.access.router}/30 dev ${isp.access.routerIf}`,
      `link set ${isp.access.routerIf} up`,
      `route add default via ${isp.transit.internet}`,
    ]);
    await batch(isp.subscriberNs, [
      'link set lo up',
      `addr add ${isp.access.subscriber}/30 dev ${isp.access.subscriberIf}`,
      `link set ${isp.access.subscriberIf} up`,
      `route add default via ${isp.access.router}`,
    ]);
  }
  // sysctls are per namespace. rp_filter off (hosts often default to strict, which drops asymmetric lab traffic),
  // forwarding on the routers, no ICMP rate limit (REJECT scenarios in a row would otherwise lose an ICMP error),
  // IPv6 off: the lab is IPv4-only, and a half-configured v6 would hide v4 results behind happy eyeballs.
  const sysctl = (ns: string, values: Record<string, string>) =>
    runIn(ns, 'sh', [
      '-c',
      Object.entries(values)
        .map(([k, v]) => `echo ${v} > /proc/sys/${k.replace(/\./g, '/')}`)
        .join(' && '),
    ]);
  const common = {
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.default.rp_filter': '0',
    'net.ipv6.conf.all.disable_ipv6': '1',
    'net.ipv6.conf.default.disable_ipv6': '1',
  };
  await sysctl(INTERNET_NS, common);
  for (const isp of plan.isps) {
    await sysctl(isp.routerNs, { ...common, 'net.ipv4.ip_forward': '1', 'net.ipv4.icmp_ratelimit': '0' });
    await sysctl(isp.subscriberNs, common);
    // `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf: the subscriber's system
    // resolver is its ISP's, with short timeouts so a silenced resolver fails fast.
    // /etc/netns itself is recorded only when the lab creates it, so `down` removes it only then (and only empty).
    if (!existsSync('/etc/netns')) recordMade(stateDir, state, { kind: 'file', path: '/etc/netns' });
    const dir = `/etc/netns/${isp.subscriberNs}`;
    recordMade(stateDir, state, { kind: 'file', path: dir });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resolv.conf'), `nameserver ${isp.resolver}\noptions timeout:1 attempts:2\n`);
  }
}

function startDaemon(
  stateDir: string,
  state: LabState,
  name: string,
  ns: string,
  role: 'internet' | 'isp',
  config: unknown,
): Promise<void> {
  const paths = statePaths(stateDir);
  writeFileSync(paths.config(name), JSON.stringify(config));
  const child = spawnDetached(stateDir, name, ns, [...labEntryCommand('daemons/main'), role, paths.config(name)]);
  recordMade(stateDir, state, { kind: 'process', name, ns, pid: child.pid ?? -1 });
  writeFileSync(paths.pid(name), `${child.pid}\n`);
  return waitReady(paths.control(name), child, paths.log(name));
}

function spawnDetached(
  stateDir: string,
  name: string,
  ns: string,
  argv: string[],
  env?: NodeJS.ProcessEnv,
): ChildProcess {
  const log = openSync(statePaths(stateDir).log(name), 'a');
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
    cwd: join(LAB_SRC, '..'),
    detached: true,
    stdio: ['ignore', log, log],
    env: env ?? process.env,
  });
  child.unref();
  return child;
}

async function waitReady(socket: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + DAEMON_READY_TIMEOUT_MS;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (existsSync(socket)) {
      const ok = await callControl(socket, 'GET', '/status', undefined, 2_000).then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    await sleep(100);
  }
  const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
  throw new BlockwatchError(
    'BW_ERR_LAB',
    `daemon ${logPath} ${exited !== null ? `exited with ${exited}` : 'did not become ready'}:\n${tail}`,
  );
}

/**
 * Starts `blockwatch helper` in the internet namespace (if that command exists in this checkout), alongside the
 * daemons; `waitHelper` then asks the internet daemon whether it accepts connections.
 */
async function spawnHelper(stateDir: string, state: LabState): Promise<ChildProcess | { unavailable: string }> {
  const paths = statePaths(stateDir);
  const help = await run(process.execPath, [BLOCKWATCH_BIN, 'helper', '--help'], { allowFailure: true });
  if (help.code !== 0 || !help.stdout.includes('--listen')) {
    return { unavailable: "'blockwatch helper' is not available in this checkout" };
  }
  const args = [
    process.execPath,
    BLOCKWATCH_BIN,
    'helper',
    '--listen',
    `${INFRA.helper}:${HELPER_PORT}`,
    ...(help.stdout.includes('--resolver') ? ['--resolver', INFRA.publicResolver] : []),
    ...(help.stdout.includes('--ca') ? ['--ca', paths.labCa] : []),
    ...(help.stdout.includes('--asn-registry') ? ['--asn-registry', paths.registry] : []),
  ];
  await runIn(INTERNET_NS, 'ip', ['addr', 'replace', `${INFRA.helper}/32`, 'dev', 'lo']);
  const child = spawnDetached(stateDir, 'helper', INTERNET_NS, args, {
    ...process.env,
    NODE_EXTRA_CA_CERTS: paths.labCa,
  });
  recordMade(stateDir, state, { kind: 'process', name: 'helper', ns: INTERNET_NS, pid: child.pid ?? -1 });
  writeFileSync(paths.pid('helper'), `${child.pid}\n`);
  return child;
}

async function waitHelper(
  stateDir: string,
  helper: ChildProcess | { unavailable: string },
): Promise<LabState['helper']> {
  if ('unavailable' in helper) return helper;
  const paths = statePaths(stateDir);
  const url = `http://${INFRA.helper}:${HELPER_PORT}/`;
  const deadline = Date.now() + DAEMON_READY_TIMEOUT_MS;
  while (Date.now() < deadline && helper.exitCode === null) {
    const { reachable } = await callControl<{ reachable: boolean }>(
      paths.control('inet'),
      'GET',
      `/reachable?address=${INFRA.helper}&port=${HELPER_PORT}`,
    );
    if (reachable) return { url };
    await sleep(100);
  }
  const tail = readFileSync(paths.log('helper'), 'utf8').trim().split('\n').slice(-5).join(' | ');
  return { unavailable: `the helper did not answer on ${url}: ${tail}` };
}

async function isHealthy(stateDir: string, state: LabState): Promise<boolean> {
  const names = state.made
    .filter((m) => m.kind === 'process' && m.name !== 'helper')
    .map((m) => (m as { name: string }).name);
  for (const name of names) {
    const ok = await callControl(statePaths(stateDir).control(name), 'GET', '/status', undefined, 3_000).then(
      () => true,
      () => false,
    );
    if (!ok) return false;
  }
  return names.length > 0;
}

export async function listLabNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list'], { allowFailure: true });
  return out.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n?.startsWith(NAMESPACE_PREFIX));
}

/** Removes everything the lab made (also after a crash): processes, namespaces (with their links and rules), files. */
export async function labDown(opts: { stateDir: string; log: Log }): Promise<{ removed: number }> {
  requireRoot();
  return withLabLock(opts.stateDir, () => down(opts));
}

async function down(opts: { stateDir: string; log: Log }): Promise<{ removed: number }> {
  const { stateDir, log } = opts;
  const state = readState(stateDir);
  const made: Made[] = state?.made ?? [];
  // Every process inside a lab namespace is the lab's (ip netns pids), plus those recorded.
  const namespaces = new Set([
    ...(await listLabNamespaces()),
    ...made.filter((m) => m.kind === 'netns').map((m) => (m as { name: string }).name),
  ]);
  const pids = new Set<number>(made.filter((m) => m.kind === 'process').map((m) => (m as { pid: number }).pid));
  for (const ns of namespaces) {
    const out = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
    for (const p of out.stdout.split('\n').filter(Boolean)) pids.add(Number(p));
  }
  const alive = [...pids].filter((p) => p > 1 && isAlive(p));
  for (const p of alive) signal(p, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline && alive.some(isAlive)) await sleep(50);
  for (const p of alive.filter(isAlive)) signal(p, 'SIGKILL');

  let removed = 0;
  for (const ns of namespaces) {
    const r = await run('ip', ['netns', 'del', ns], { allowFailure: true });
    if (r.code === 0) removed++;
  }
  for (const m of made) {
    if (m.kind === 'file' && m.path.includes('/bw-')) rmSync(m.path, { recursive: true, force: true });
  }
  if (made.some((m) => m.kind === 'file' && m.path === '/etc/netns')) {
    try {
      rmdirSync('/etc/netns'); // fails when not empty: then someone else uses it, and it stays
    } catch {
      // kept on purpose
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
  log(removed ? `removed ${removed} namespaces and ${alive.length} processes` : 'nothing to remove');
  return { removed };
}

let lockHeld = false;

/**
 * Serialises the commands that build or destroy the lab (two `up`s at once would fight over the same namespaces).
 * The lock file sits beside the state directory (which `down` deletes) and names its holder; a dead holder's lock
 * is taken over.
 */
async function withLabLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  if (lockHeld) return fn();
  const lock = `${stateDir.replace(/\/+$/, '')}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim() || 0);
      if (holder > 0 && !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new BlockwatchError('BW_ERR_LAB', `another lab command (pid ${holder}) holds ${lock}`);
      }
      await sleep(200);
    }
  }
  lockHeld = true;
  try {
    return await fn();
  } finally {
    lockHeld = false;
    rmSync(lock, { force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Alive and not a zombie (PID 1 here may not reap promptly, so kill(0) alone would lie). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** The address → ASN registry the probe and helper load (`--asn-registry`): lab addresses are public there. */
export function registryEntries(plan: LabPlan, sites: readonly (SiteSpec & { address: string })[]) {
  const entries: { prefix: string; asn: number; org: string; cc?: string }[] = [
    { prefix: '198.18.0.0/16', asn: INFRA_ASN.asn, org: INFRA_ASN.org, cc: INFRA_ASN.cc },
  ];
  for (const isp of plan.isps) entries.push({ prefix: isp.prefix, asn: isp.asn, org: isp.org, cc: isp.cc });
  for (const s of sites) {
    if (s.asn) entries.push({ prefix: `${s.address}/32`, asn: s.asn, org: s.org ?? `AS${s.asn}` });
  }
  return entries;
}

export interface LabStatus {
  up: boolean;
  stateDir: string;
  namespaces: string[];
  daemons: { name: string; pid: number; alive: boolean; ns: string }[];
  isps: (Pick<IspPlan, 'id' | 'asn' | 'org' | 'resolver' | 'subscriberNs'> & { policy: string | null })[];
  helper: LabState['helper'] | null;
}

export async function labStatus(stateDir: string): Promise<LabStatus> {
  const state = readState(stateDir);
  const namespaces = await listLabNamespaces();
  const daemons = (state?.made ?? [])
    .filter((m): m is Extract<Made, { kind: 'process' }> => m.kind === 'process')
    .map((m) => ({ name: m.name, pid: m.pid, alive: isAlive(m.pid), ns: m.ns }));
  const plan = createPlan(state?.ispCount ?? 0);
  return {
    up: state?.status === 'up' && daemons.every((d) => d.alive),
    stateDir,
    namespaces,
    daemons,
    isps: plan.isps.map((i) => ({
      id: i.id,
      asn: i.asn,
      org: i.org,
      resolver: i.resolver,
      subscriberNs: i.subscriberNs,
      policy: state?.policies[i.id] ?? null,
    })),
    helper: state?.helper ?? null,
  };
}
