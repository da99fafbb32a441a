/**
 * The seed story end to end: lab up → replay of 20–28 November 2014 on the lab clock (a probe round per ISP every
 * few simulated hours, the three ISPs concurrently) → each round submitted to the collector → the event detector's
 * event → a summary with links into the dashboard. The only faked time is the probe's `--lab-time`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBracket, METHOD_LABELS } from '@blockwatch/server/events/summarize.ts';
import type { Bracket } from '@blockwatch/server/events/types.ts';
import type { BlockingMethod } from 'blockwatch/model';
import { summarizeRemote } from 'blockwatch/remote/summary.ts';
import { applyPolicy, loadPolicyFile } from '../apply.ts';
import { createPlan, HELPER_PORT, INFRA, INFRA_ASN, INTERNET_NS, type IspPlan } from '../plan.ts';
import { withLabSession } from '../session.ts';
import { DEFAULT_SITES } from '../sites.ts';
import { stateDirOf, statePaths } from '../state.ts';
import { BLOCKWATCH_BIN, labDown, labUp, registryEntries } from '../topology.ts';
import { type DemoServer, getJson, startServer, submitBatch } from './server.ts';
import {
  corroborateRemotely,
  type EventView,
  judgeStory,
  REMOTE_LIST,
  type RemoteRowView,
  roundTimes,
  STORY_URLS,
  type StoryFinding,
  SWITCH_MS,
  SWITCH_ON,
  TEST_LIST,
  testListCsv,
} from './story.ts';

const POLICIES = new URL('../../policies/', import.meta.url).pathname;
const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;
const EVENT_WAIT_MS = 60_000;

export interface DemoOptions {
  dir: string;
  listen: string;
  everyHours: number;
  maxRounds?: number;
  timeoutSeconds: number;
  keepLab: boolean;
  /** keep the server running after the summary (the caller stops it) */
  serve: boolean;
  /** Ctrl-C: stop after the current round (the lab still goes down) */
  signal?: AbortSignal;
  log: (line: string) => void;
  /** the summary and links: stdout */
  print: (line: string) => void;
}

export interface DemoResult {
  finding: StoryFinding;
  server: DemoServer | null;
  origin: string;
}

type ApiEvent = EventView & {
  onset: Bracket;
  url: string;
  evidence?: { measurement_uid: string; probe_asn: string; measurement_start_time: string; role: string }[];
  corroborated_by_remote?: string[];
};

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { log } = options;
  const stateDir = stateDirOf(process.env);
  const paths = statePaths(stateDir);
  const storeDir = join(options.dir, 'store');
  const measurementsDir = join(options.dir, 'measurements');
  const listPath = join(options.dir, 'test-list.csv');
  // A fresh story each run: only what the demo itself made in its directory.
  rmSync(storeDir, { recursive: true, force: true });
  rmSync(measurementsDir, { recursive: true, force: true });
  mkdirSync(measurementsDir, { recursive: true });
  writeFileSync(listPath, testListCsv());

  if (options.serve && !existsSync(join(REPO_ROOT, 'packages/web/dist/index.html'))) {
    log('the web UI is not built yet: building it (npm run build -w @blockwatch/web)…');
    await exec('npm', ['run', 'build', '-w', '@blockwatch/web'], { cwd: REPO_ROOT, quiet: true });
  }

  let server: DemoServer | null = null;
  try {
    // The collector analyses what it receives: it needs the lab's address registry, as the probe does, so that the
    // lab's addresses (reserved space) count as the public addresses they stand for.
    const registryPath = join(options.dir, 'lab-asn-registry.json');
    writeFileSync(registryPath, `${JSON.stringify(registryEntries(createPlan(3), DEFAULT_SITES), null, 2)}\n`);
    server = await startServer(storeDir, options.listen, process.env, registryPath);
    log(`collector and dashboard: ${server.origin} (store ${storeDir})`);
    const origin = server.origin;
    const plan = createPlan(3);
    let remoteRows: RemoteRowView[] = [];
    await withLabSession(
      async () => {
        remoteRows = await replay(origin, plan.isps);
      },
      {
        onWait: (pid) => log(`the lab is in use by another run (pid ${pid}): waiting for it…`),
      },
    );

    const events = await waitForStoryEvents(server, plan.isps.length, log);
    for (const e of events) {
      if ((STORY_URLS as readonly string[]).includes(e.input)) {
        const detail = await getJson<Pick<ApiEvent, 'evidence' | 'corroborated_by_remote'>>(
          server,
          `/api/v1/events/${encodeURIComponent(e.id)}`,
          log,
        );
        e.evidence = detail.evidence;
        e.corroborated_by_remote = detail.corroborated_by_remote;
      }
    }
    const finding = judgeStory(events, plan.isps);
    printSummary(options.print, options.serve ? origin : null, events, finding);
    printRemote(options.print, remoteRows, plan.isps, events);
    if (!options.serve) {
      options.print(
        `(--no-serve: the server stops now, so no links; 'npx blockwatch serve --data ${storeDir}' serves the same store)`,
      );
    }
    if (!options.serve) {
      await server.stop();
      server = null;
    }
    return { finding, server, origin };
  } catch (err) {
    await server?.stop();
    throw err;
  }

  /** The lab part: up, the rounds with the switch, down (also on failure or interruption, unless --keep-lab). */
  async function replay(origin: string, isps: IspPlan[]): Promise<RemoteRowView[]> {
    const state = await labUp({ stateDir, ispCount: 3, log: (l) => log(`lab: ${l}`) });
    try {
      if (!('url' in state.helper))
        throw new Error(`the lab's control helper is not running (${state.helper.unavailable})`);
      for (const isp of isps) await applyPolicy(stateDir, isp.id, { rules: [] }, 'none');
      const times = roundTimes(options.everyHours, options.maxRounds);
      log(
        `replaying ${fmt(times[0])} – ${fmt(times[times.length - 1])} UTC: ${times.length} rounds of ${TEST_LIST.length} URLs on ${isps.length} ISPs (${isps.map((i) => `AS${i.asn}`).join(', ')}); the ISPs switch on at ${fmt(SWITCH_MS)}`,
      );
      let switched = false;
      for (const [index, timeMs] of times.entries()) {
        if (options.signal?.aborted) throw new Error('interrupted');
        if (!switched && timeMs >= SWITCH_MS) {
          for (const isp of isps) {
            const { policy } = SWITCH_ON[isp.id];
            await applyPolicy(stateDir, isp.id, loadPolicyFile(join(POLICIES, policy)), policy);
          }
          switched = true;
          log(
            `${fmt(SWITCH_MS)}: the ISPs start blocking the story (${isps.map((i) => `${i.id} ${SWITCH_ON[i.id].policy}`).join(', ')})`,
          );
        }
        const started = Date.now();
        const perIsp = await Promise.all(
          isps.map((isp) => probeRound(isp, timeMs, join(measurementsDir, `${isoName(timeMs)}-${isp.id}.jsonl`))),
        );
        if (options.signal?.aborted) throw new Error('interrupted');
        const accepted = await submitBatch(
          origin,
          perIsp.flat().map((m) => m.raw),
        );
        const counts = isps.map((isp, i) => `${isp.id} ${countLine(perIsp[i].map((m) => m.outcome))}`).join(' · ');
        log(
          `round ${String(index + 1).padStart(2)}/${times.length} ${fmt(timeMs)}  ${counts}  (${accepted} submitted, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
      // The same story seen from outside, with nobody inside the ISPs: their resolvers and a server in each.
      const rows = await remoteRound(origin, isps, times[times.length - 1] as number);
      for (const isp of isps) await applyPolicy(stateDir, isp.id, { rules: [] }, 'none');
      return rows;
    } finally {
      if (options.keepLab) log(`the lab stays up (--keep-lab): 'blockwatch lab down' removes it`);
      else await labDown({ stateDir, log: (l) => log(`lab: ${l}`) });
    }
  }

  /** `blockwatch remote` in the internet namespace at the lab time; submits the records, answers the summary. */
  async function remoteRound(origin: string, isps: IspPlan[], timeMs: number): Promise<RemoteRowView[]> {
    const file = (name: string, text: string) => {
      writeFileSync(join(options.dir, name), text);
      return join(options.dir, name);
    };
    const header = 'address,asn,country\n';
    const resolvers = isps.flatMap((isp) =>
      [isp.resolver, ...isp.openResolvers].map((a) => `${a},AS${isp.asn},${isp.cc}`),
    );
    const servers = isps.map((isp) => `${isp.hostingServer},AS${isp.asn},${isp.cc}`);
    const outPath = join(measurementsDir, `${isoName(timeMs)}-remote.jsonl`);
    // biome-ignore format: flag and value pairs
    await exec('ip', [
      'netns', 'exec', INTERNET_NS, process.execPath, BLOCKWATCH_BIN, 'remote',
      '--resolvers', file('remote-resolvers.csv', `${header}${resolvers.join('\n')}\n`),
      '--servers', file('remote-servers.csv', `${header}${servers.join('\n')}\n`),
      '--list', file('remote-list.csv', `url\n${REMOTE_LIST.join('\n')}\n`),
      '--control-resolver', INFRA.publicResolver, '--control-domain', 'eurasianet.lab',
      '--asn-registry', paths.registry, '--ca', paths.labCa, '--vantage-asn', String(INFRA_ASN.asn),
      '--resolver-rate', '50', '--server-rate', '50', '--network-rate', '500', '--timeout', '3', '--stateful-wait', '1',
      '--lab-time', new Date(timeMs).toISOString(), '--out', outPath,
    ], { env: { ...process.env, NODE_EXTRA_CA_CERTS: paths.labCa }, quiet: true });
    const records = readFileSync(outPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const accepted = await submitBatch(origin, records);
    const rows = summarizeRemote(records);
    log(
      `remote round ${fmt(timeMs)}: ${records.length} measurements from outside (${accepted} submitted), ${rows.filter((r) => r.outcome === 'blocked').length} blocked (network, target) pairs`,
    );
    return rows;
  }

  /** One ISP's subscriber measures the test list at the lab time; answers the measurements it wrote. */
  async function probeRound(isp: IspPlan, timeMs: number, outPath: string) {
    await exec(
      'ip',
      [
        'netns',
        'exec',
        isp.subscriberNs,
        process.execPath,
        BLOCKWATCH_BIN,
        'probe',
        '--list',
        listPath,
        '--lab-time',
        new Date(timeMs).toISOString(),
        '--resolver',
        isp.resolver,
        '--helper',
        `http://${INFRA.helper}:${HELPER_PORT}/`,
        '--cc',
        isp.cc,
        '--asn',
        `AS${isp.asn}`,
        '--asn-registry',
        paths.registry,
        '--timeout',
        String(options.timeoutSeconds),
        '--concurrency',
        String(TEST_LIST.length),
        '--accept-risks',
        '--out',
        outPath,
      ],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: paths.labCa }, quiet: true },
    );
    const lines = existsSync(outPath) ? readFileSync(outPath, 'utf8').split('\n').filter(Boolean) : [];
    return lines.map((line) => {
      const raw = JSON.parse(line) as { test_keys?: { x_blockwatch_verdict?: { outcome?: string } } };
      return { raw, outcome: raw.test_keys?.x_blockwatch_verdict?.outcome ?? 'unknown' };
    });
  }
}

/** Where the story's blocking was seen from outside, and whether that corroborates each network's event. */
function printRemote(print: (l: string) => void, rows: RemoteRowView[], isps: IspPlan[], events: ApiEvent[]): void {
  print('remote evidence (blockwatch remote from the internet, nobody inside the ISPs):');
  for (const e of events.filter((x) => (STORY_URLS as readonly string[]).includes(x.input))) {
    print(
      `  event ${e.input}: corroborated by remote evidence on ${e.corroborated_by_remote?.join(', ') || 'no network'}`,
    );
  }
  for (const c of corroborateRemotely(rows, isps)) {
    const seen = c.blocked.map((r) => `${r.test_name} ${r.target} ${r.method ?? ''}`.trim());
    print(
      `  ${c.corroborates ? 'ok  ' : 'MISS'} ${c.ispId} AS${c.asn}: ${seen.length ? `${seen.join(', ')} → corroborates the event` : 'no blocking seen from outside'}`,
    );
  }
  print('');
}

/** Polls the events API until every network shows in the story's events, or the bounded wait ends. */
async function waitForStoryEvents(server: DemoServer, networks: number, log: (l: string) => void): Promise<ApiEvent[]> {
  const deadline = Date.now() + EVENT_WAIT_MS;
  log('waiting for the event detector…');
  for (;;) {
    const { results } = await getJson<{ results: ApiEvent[] }>(server, '/api/v1/events?probe_cc=KZ&limit=100', log);
    const asns = new Set(
      results
        .filter((e) => (STORY_URLS as readonly string[]).includes(e.input))
        .flatMap((e) => e.networks.map((n) => n.asn)),
    );
    if (asns.size >= networks || Date.now() > deadline) return results;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** The scheme a story URL is measured over, as the summary labels it. */
const schemeOf = (input: string) => new URL(input).protocol.slice(0, -1);

/**
 * The summary: one citable sentence first (the story, either scheme, on all networks), then the detector's event
 * per URL labelled with its scheme, each ISP's check, and the links. Links only while the server runs: with
 * --no-serve the evidence is named by measurement id, which stays valid in the store.
 */
function printSummary(
  print: (l: string) => void,
  origin: string | null,
  events: ApiEvent[],
  finding: StoryFinding,
): void {
  const story = STORY_URLS.flatMap((url) => events.filter((e) => e.input === url));
  print('');
  const blocking = finding.networks.filter((n) => n.found.length > 0);
  const earliest = story.map((e) => e.onset).sort((a, b) => a.after.timeMs - b.after.timeMs)[0];
  if (earliest) {
    const methods = finding.networks
      .map((n) => n.found.flatMap((f) => f.methods).find((m) => m === n.expected) ?? n.found[0]?.methods[0])
      .filter((m): m is BlockingMethod => m !== undefined)
      .map((m) => METHOD_LABELS[m] ?? m);
    print(
      `The story ${STORY_URLS[0]} (over https and http) is blocked in KZ since ${describeBracket(earliest)} on ${blocking.length} of ${finding.networks.length} networks: ${methods.join(' / ')}.`,
    );
  } else print(`No event was detected for the story ${STORY_URLS[0]}.`);
  if (story.length) print('  the event detector, one event per URL:');
  for (const e of story) print(`  ${`${schemeOf(e.input)}:`.padEnd(6)} ${e.summary}`);
  for (const n of finding.networks) {
    const seen = n.found.map((f) => `${f.methods.map((m) => METHOD_LABELS[m] ?? m).join('+')} on ${schemeOf(f.input)}`);
    print(
      `  ${n.ok ? 'ok  ' : 'MISS'} ${n.ispId} AS${n.asn} ${n.org}: expected ${METHOD_LABELS[n.expected]}, found ${seen.length ? seen.join(', ') : 'no blocking'}`,
    );
  }
  for (const e of finding.unexpected) print(`  UNEXPECTED event: ${e.input}: ${e.summary}`);
  if (finding.unexpected.length === 0)
    print(
      `  not blocked: ${TEST_LIST.filter((t) => !(STORY_URLS as readonly string[]).includes(t.url))
        .map((t) => t.url)
        .join(' ')}`,
    );
  print('');
  if (origin) {
    print(`dashboard:        ${origin}/`);
    for (const e of story)
      print(
        `${`event (${schemeOf(e.input)}):`.padEnd(17)} ${origin}/events/${encodeURIComponent(e.id)}   (API ${e.url})`,
      );
    print(`timeline:         ${origin}/url?input=${encodeURIComponent(STORY_URLS[0])}&probe_cc=KZ`);
  }
  for (const e of story) {
    const blocked = e.evidence?.filter((x) => x.role === 'blocked') ?? [];
    const first = blocked[0];
    const example = first
      ? `${origin ? `${origin}/m/${encodeURIComponent(first.measurement_uid)}` : first.measurement_uid} (${first.probe_asn}, ${first.measurement_start_time})`
      : '—';
    print(
      `${`evidence (${schemeOf(e.input)}):`.padEnd(17)} ${blocked.length} blocked measurements of ${e.input}, e.g. ${example}`,
    );
  }
}

/** "2014-11-24 between 06:00 and 12:00 UTC" reads after "since"; a bracket across days needs "a time". */
function countLine(outcomes: string[]): string {
  const order = ['accessible', 'blocked', 'down', 'unknown'];
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return (
    order
      .filter((o) => counts.has(o))
      .map((o) => `${counts.get(o)} ${o}`)
      .join(', ') || 'no measurement'
  );
}

const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const isoName = (ms: number) => new Date(ms).toISOString().slice(0, 13).replace(/[-:]/g, '');

/** Runs a command to its end; exit 1 is a result (the probe found blocked URLs), not a failure. */
function exec(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; quiet?: boolean } = {},
): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'pipe'],
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 || code === 1
        ? done()
        : fail(new Error(`${command} ${args.slice(0, 6).join(' ')}… exited with ${code}\n${stderr}`)),
    );
  });
}
