/**
 * Runs scenarios: brings the lab up if needed, declares the scenarios' sites, then per scenario applies its policy
 * to an ISP, looks with the lab's own client (observe.ts) and measures with the real probe from the ISP's
 * subscriber namespace, and compares both with the scenario's expectations. Scenarios run concurrently, one per ISP.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDir, hasFingerprints } from 'blockwatch/data/data-dir.ts';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { experimentNamed, measurableExperiments } from 'blockwatch/experiments/registry.ts';
import { summarizeRemote } from 'blockwatch/remote/summary.ts';
import { applyPolicy, declareSites } from './apply.ts';
import { labEntryCommand } from './node-entry.ts';
import type { Observation } from './observe.ts';
import { createPlan, INFRA, INFRA_ASN, INTERNET_NS, type IspPlan } from './plan.ts';
import { describeIssue } from './policy.ts';
import {
  compareObservation,
  compareRemote,
  compareVerdict,
  type Mismatch,
  type RemoteRowLike,
  type Scenario,
  scenarioSchema,
} from './scenario.ts';
import { readState, statePaths } from './state.ts';
import { BLOCKWATCH_BIN, type Log, labUp } from './topology.ts';

export const CATALOGUE_DIR = new URL('../scenarios/', import.meta.url).pathname;
const LAB_SRC = new URL('.', import.meta.url).pathname;
const PROBE_RUN_LIMIT_MS = 180_000;
/** per step of the lab's own client: censorship that stalls shows as the probe's generic_timeout_error after this */
const OBSERVE_STEP_TIMEOUT_MS = 3_000;

export interface UrlResult {
  url: string;
  pass: boolean;
  mismatches: Mismatch[];
  observation?: Observation;
  verdict?: Record<string, unknown> | null;
  /** why the verdict was not checked */
  skipped?: string;
  /** the verdict differs as the scenario's knownIssue says (does not fail the run) */
  knownIssue?: string;
  /** a knownIssue that no longer shows: the expectation holds now */
  fixed?: boolean;
  /** what the remote measurement concluded about this URL, per test and network */
  remote?: RemoteRowLike[];
}

export interface ScenarioResult {
  name: string;
  isp: string;
  pass: boolean;
  seconds: number;
  urls: UrlResult[];
  error?: string;
}

export function catalogueNames(): string[] {
  if (!existsSync(CATALOGUE_DIR)) return [];
  return readdirSync(CATALOGUE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function parseScenarioFile(path: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BlockwatchError(
      code === 'ENOENT' ? 'BW_ERR_NOT_FOUND' : 'BW_ERR_INVALID_INPUT',
      `${path}: ${code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`,
    );
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) throw new BlockwatchError('BW_ERR_INVALID_INPUT', describeIssue(parsed.error, path));
  checkExperiment(parsed.data, path);
  return parsed.data;
}

/** A scenario's `test` is a registered experiment the probe can run, and its `targets` are ones it reads. */
function checkExperiment(scenario: Scenario, path: string): void {
  if (!scenario.test) return;
  const experiment = experimentNamed(scenario.test);
  if (!experiment?.measure) {
    const runnable = measurableExperiments()
      .map((e) => e.name)
      .join(', ');
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${path}: test '${scenario.test}' is not one of ${runnable}`);
  }
  if (scenario.targets === undefined) return;
  if (!experiment.parseTargets) {
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${path}: targets: ${scenario.test} takes none`);
  }
  try {
    experiment.parseTargets(scenario.targets, `${path}: targets`);
  } catch (err) {
    // the experiment's message names the field and the file; a scenario file's problems share one code
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', (err as Error).message);
  }
}

/** Catalogue scenarios by name, plus files; the whole catalogue when neither is given. */
export function loadScenarios(names: string[], files: string[]): Scenario[] {
  const available = catalogueNames();
  for (const n of names) {
    if (!available.includes(n)) {
      throw new BlockwatchError('BW_ERR_NOT_FOUND', `no scenario '${n}' in the catalogue (${available.join(', ')})`);
    }
  }
  const chosen = names.length || files.length ? names : available;
  const scenarios = [
    ...chosen.map((n) => parseScenarioFile(join(CATALOGUE_DIR, `${n}.json`))),
    ...files.map(parseScenarioFile),
  ];
  const seen = new Set<string>();
  for (const s of scenarios) {
    if (seen.has(s.name)) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `scenario '${s.name}' is given twice`);
    seen.add(s.name);
  }
  return scenarios;
}

export interface RunOptions {
  stateDir: string;
  scenarios: Scenario[];
  /** also run the real probe and compare verdicts */
  probe: boolean;
  /** the probe's time budget per measurement (its --timeout) */
  timeoutS: number;
  log: Log;
  signal?: AbortSignal;
  ispCount?: number;
  /** called after each scenario (progress, benchmarks) */
  onResult?: (r: ScenarioResult) => void;
}

export async function runScenarios(opts: RunOptions): Promise<ScenarioResult[]> {
  const { stateDir, log } = opts;
  const state = await labUp({ stateDir, ispCount: readState(stateDir)?.ispCount ?? opts.ispCount ?? 3, log });
  const plan = createPlan(state.ispCount);
  await declareSites(
    stateDir,
    opts.scenarios.flatMap((s) => s.sites ?? []),
  );
  const probe = opts.probe ? await probeCapabilities() : { unavailable: 'disabled with --no-probe' };
  if ('unavailable' in probe) log(`verdicts not checked: ${probe.unavailable}`);
  const helper = readState(stateDir)?.helper;

  // One queue per ISP: pinned scenarios go to their ISP, the others to the shortest queue.
  const queues = new Map<string, Scenario[]>(plan.isps.map((i) => [i.id, []]));
  for (const s of opts.scenarios.filter((x) => x.isp)) {
    const q = queues.get(s.isp as string);
    if (!q) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `scenario '${s.name}': no ISP '${s.isp}' in this lab`);
    q.push(s);
  }
  for (const s of opts.scenarios.filter((x) => !x.isp)) {
    const shortest = [...queues.entries()].sort((a, b) => a[1].length - b[1].length)[0];
    shortest[1].push(s);
  }
  const results: ScenarioResult[] = [];
  let done = 0;
  await Promise.all(
    plan.isps.map(async (isp) => {
      for (const scenario of queues.get(isp.id) ?? []) {
        if (opts.signal?.aborted) break;
        const r = await runScenario(opts, scenario, isp, probe, helper && 'url' in helper ? helper.url : null);
        results.push(r);
        done++;
        log(
          `[${done}/${opts.scenarios.length}] ${r.pass ? 'pass' : 'FAIL'} ${r.name} (${isp.id}, ${r.seconds.toFixed(1)} s)`,
        );
        opts.onResult?.(r);
      }
      await applyPolicy(stateDir, isp.id, { rules: [] }, 'none');
    }),
  );
  const order = new Map(opts.scenarios.map((s, i) => [s.name, i]));
  return results.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

type ProbeCapabilities = { flags: Set<string> } | { unavailable: string };

async function probeCapabilities(): Promise<ProbeCapabilities> {
  const help = await collect(process.execPath, [BLOCKWATCH_BIN, 'probe', '--help'], {}, 30_000);
  if (help.code !== 0 || !help.stdout.includes('--helper')) {
    return { unavailable: "'blockwatch probe' is not available in this checkout" };
  }
  return { flags: new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []) };
}

async function runScenario(
  opts: RunOptions,
  scenario: Scenario,
  isp: IspPlan,
  probe: ProbeCapabilities,
  helperUrl: string | null,
): Promise<ScenarioResult> {
  const started = Date.now();
  const paths = statePaths(opts.stateDir);
  const result: ScenarioResult = { name: scenario.name, isp: isp.id, pass: false, seconds: 0, urls: [] };
  try {
    await applyPolicy(
      opts.stateDir,
      isp.id,
      { ...scenario.policy, blockHelper: scenario.helperReachable === false || scenario.policy.blockHelper },
      `scenario ${scenario.name}`,
    );
    const resolver = scenario.probe?.resolver === 'public' ? INFRA.publicResolver : isp.resolver;
    const ca = [readFileSync(paths.labCa, 'utf8')];
    if (scenario.probe?.trustNationalRoot) ca.push(readFileSync(paths.nationalCa, 'utf8'));

    const urls = scenario.urls ?? [];
    const toObserve = urls.filter((u) => u.observe).map((u) => u.url);
    const observations = new Map<string, Observation>();
    if (toObserve.length) {
      const request = JSON.stringify({ urls: toObserve, resolver, ca, timeoutMs: OBSERVE_STEP_TIMEOUT_MS });
      const out = await collect(
        'ip',
        ['netns', 'exec', isp.subscriberNs, ...labEntryCommand('observe'), request],
        {},
        60_000,
      );
      if (out.code !== 0)
        throw new Error(`the lab's client failed: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      for (const o of JSON.parse(out.stdout) as Observation[]) observations.set(o.url, o);
    }

    const toProbe = urls.filter((u) => u.expect).map((u) => u.url);
    let verdicts = new Map<string, Record<string, unknown> | null>();
    let skipped: string | undefined;
    if ('unavailable' in probe) skipped = probe.unavailable;
    else if (scenario.probe?.needsFingerprints && !hasFingerprints(dataDir(process.env))) {
      skipped = "needs blocking fingerprints: run 'blockwatch update' or set BLOCKWATCH_DATA_DIR";
    } else if (toProbe.length) {
      verdicts = await runProbe(opts, scenario, isp, probe.flags, toProbe, resolver, helperUrl);
    }
    if (scenario.runs) {
      result.urls.push(...(await checkRuns(opts, scenario, isp, probe, resolver, helperUrl)));
    }

    const remoteRows = urls.some((u) => u.remote) ? await runRemoteCommand(opts, scenario, isp) : [];

    for (const u of urls) {
      const observation = observations.get(u.url);
      const mismatches: Mismatch[] = [];
      const host = new URL(u.url).hostname;
      const network = `AS${isp.asn}`;
      if (u.remote?.dns) mismatches.push(...compareRemote(u.remote.dns, remoteRows, 'dns_remote', host, network));
      if (u.remote?.http) {
        const target = `${new URL(u.url).protocol}//${host}/`;
        mismatches.push(...compareRemote(u.remote.http, remoteRows, 'http_remote', target, network));
      }
      const remote = remoteRows.filter((r) => r.target === host || r.target === `${new URL(u.url).protocol}//${host}/`);
      if (u.observe) {
        if (observation)
          mismatches.push(
            ...compareObservation(u.observe, observation as unknown as Record<string, unknown>, {
              blockpage: isp.blockpage,
              resolver: isp.resolver,
            }),
          );
        else mismatches.push({ key: 'observe', expected: 'an observation', actual: null });
      }
      const verdict = verdicts.get(u.url);
      const verdictMismatches = u.expect && !skipped ? compareVerdict(u.expect, verdict ?? null) : [];
      const known = u.knownIssue && verdictMismatches.length > 0;
      if (!known) mismatches.push(...verdictMismatches);
      result.urls.push({
        url: u.url,
        pass: mismatches.length === 0,
        mismatches: known ? [...mismatches, ...verdictMismatches] : mismatches,
        ...(known ? { knownIssue: u.knownIssue } : {}),
        ...(u.knownIssue && !skipped && verdictMismatches.length === 0 ? { fixed: true } : {}),
        ...(observation ? { observation } : {}),
        ...(verdict !== undefined ? { verdict } : {}),
        ...(u.remote ? { remote } : {}),
        ...(u.expect && skipped ? { skipped } : {}),
      });
    }
    result.pass = result.urls.every((u) => u.pass);
  } catch (err) {
    result.error = (err as Error).message;
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** The label of a run's result: its input, or the test's name for an input-less test. */
const runLabel = (scenario: Scenario, input: string | undefined) => input ?? scenario.test ?? 'web_connectivity';

/**
 * Measures the scenario's `runs` with its experiment (`--test`, the scenario's `targets` as `--targets`) and
 * compares each verdict with its expectation.
 */
async function checkRuns(
  opts: RunOptions,
  scenario: Scenario,
  isp: IspPlan,
  probe: ProbeCapabilities,
  resolver: string,
  helperUrl: string | null,
): Promise<UrlResult[]> {
  const runs = scenario.runs ?? [];
  let skipped: string | undefined;
  let verdicts = new Map<string, Record<string, unknown> | null>();
  if ('unavailable' in probe) skipped = probe.unavailable;
  else if (!probe.flags.has('--test')) skipped = "'blockwatch probe' has no --test in this checkout";
  else {
    const dir = mkdtempSync(join(tmpdir(), `bw-runs-${scenario.name}-`));
    try {
      const extra = ['--test', scenario.test ?? 'web_connectivity'];
      if (scenario.targets) {
        const file = join(dir, 'targets.json');
        writeFileSync(file, JSON.stringify(scenario.targets));
        extra.push('--targets', file);
      }
      const inputs = [...new Set(runs.flatMap((r) => (r.input ? [r.input] : [])))];
      verdicts = await runProbe(opts, scenario, isp, probe.flags, [...inputs, ...extra], resolver, helperUrl);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return runs.map((r) => {
    const label = runLabel(scenario, r.input);
    const verdict = verdicts.get(label);
    const mismatches = skipped ? [] : compareVerdict(r.expect, verdict ?? null);
    const known = r.knownIssue && mismatches.length > 0;
    return {
      url: label,
      pass: known || mismatches.length === 0,
      mismatches,
      ...(known ? { knownIssue: r.knownIssue } : {}),
      ...(r.knownIssue && !skipped && mismatches.length === 0 ? { fixed: true } : {}),
      ...(verdict !== undefined ? { verdict } : {}),
      ...(skipped ? { skipped } : {}),
    };
  });
}

/** Runs the probe in the ISP's subscriber namespace; `inputs` are its arguments. Verdicts by input (or test). */
async function runProbe(
  opts: RunOptions,
  scenario: Scenario,
  isp: IspPlan,
  flags: Set<string>,
  inputs: string[],
  resolver: string,
  helperUrl: string | null,
): Promise<Map<string, Record<string, unknown> | null>> {
  const paths = statePaths(opts.stateDir);
  const has = (f: string) => flags.has(f);
  const args = [
    BLOCKWATCH_BIN,
    'probe',
    ...inputs,
    ...(has('--resolver') ? ['--resolver', resolver] : []),
    ...(helperUrl && has('--helper') ? ['--helper', helperUrl] : []),
    ...(has('--json') ? ['--json'] : []),
    ...(has('--accept-risks') ? ['--accept-risks'] : []),
    ...(has('--cc') ? ['--cc', isp.cc] : []),
    ...(has('--asn') ? ['--asn', `AS${isp.asn}`] : []),
    ...(has('--asn-registry') ? ['--asn-registry', paths.registry] : []),
    ...(has('--timeout') ? ['--timeout', String(opts.timeoutS)] : []),
    ...(scenario.probe?.trustNationalRoot && has('--ca') ? ['--ca', paths.nationalCa] : []),
    ...(scenario.probe?.args ?? []),
  ];
  const out = await collect(
    'ip',
    ['netns', 'exec', isp.subscriberNs, process.execPath, ...args],
    { NODE_EXTRA_CA_CERTS: paths.labCa, BLOCKWATCH_LAB_DIR: opts.stateDir },
    PROBE_RUN_LIMIT_MS,
  );
  const measurements = parseMeasurements(out.stdout);
  if (measurements.length === 0) {
    throw new Error(
      `the probe printed no measurement (exit ${out.code}): ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const verdicts = new Map<string, Record<string, unknown> | null>();
  for (const m of measurements) {
    const input = typeof m.input === 'string' ? m.input : runLabel(scenario, undefined);
    const tk = (m.test_keys ?? {}) as Record<string, unknown>;
    verdicts.set(input, (tk.x_blockwatch_verdict as Record<string, unknown>) ?? null);
  }
  return verdicts;
}

/**
 * Measures the scenario's URLs remotely: `blockwatch remote` in the internet namespace (nothing runs inside the
 * ISP) against the ISP's resolvers and hosting server, and the public resolver as a network that does not censor.
 */
async function runRemoteCommand(opts: RunOptions, scenario: Scenario, isp: IspPlan): Promise<RemoteRowLike[]> {
  const paths = statePaths(opts.stateDir);
  const chosen = scenario.remote?.resolvers ?? ['isp', 'open', 'public'];
  const rows = [
    ...(chosen.includes('isp') ? [`${isp.resolver},AS${isp.asn},${isp.cc}`] : []),
    ...(chosen.includes('open') ? isp.openResolvers.map((r) => `${r},AS${isp.asn},${isp.cc}`) : []),
    ...(chosen.includes('public') ? [`${INFRA.publicResolver},AS${INFRA_ASN.asn},${INFRA_ASN.cc}`] : []),
  ];
  const urls = scenario.urls ?? [];
  const withHttp = urls.some((u) => u.remote?.http);
  const dir = mkdtempSync(join(tmpdir(), `bw-remote-${scenario.name}-`));
  try {
    writeFileSync(join(dir, 'resolvers.csv'), `address,asn,country\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'servers.csv'), `address,asn,country\n${isp.hostingServer},AS${isp.asn},${isp.cc}\n`);
    writeFileSync(
      join(dir, 'list.csv'),
      `url\n${[...new Set(urls.filter((u) => u.remote).map((u) => u.url))].join('\n')}\n`,
    );
    const servers = withHttp && (scenario.remote?.servers ?? ['hosting']).includes('hosting');
    const args = [
      BLOCKWATCH_BIN,
      'remote',
      '--list',
      join(dir, 'list.csv'),
      ...(rows.length ? ['--resolvers', join(dir, 'resolvers.csv')] : []),
      ...(servers ? ['--servers', join(dir, 'servers.csv')] : []),
      '--control-resolver',
      INFRA.publicResolver,
      '--control-domain',
      scenario.remote?.controlDomain ?? 'wikipedia.lab',
      '--asn-registry',
      paths.registry,
      '--ca',
      paths.labCa,
      '--vantage-asn',
      String(INFRA_ASN.asn),
      // the lab's own hosts: faster than the defaults meant for other people's infrastructure
      ...['--resolver-rate', '50', '--server-rate', '50', '--network-rate', '500', '--timeout', '3'],
      ...['--stateful-wait', '1', '--json'],
    ];
    const out = await collect('ip', ['netns', 'exec', INTERNET_NS, process.execPath, ...args], {}, PROBE_RUN_LIMIT_MS);
    const records = parseMeasurements(out.stdout);
    if (out.code !== 0 || records.length === 0) {
      throw new Error(
        `'blockwatch remote' failed (exit ${out.code}): ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    return summarizeRemote(records);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Accepts one JSON document (object or array) or JSON lines. */
export function parseMeasurements(stdout: string): Record<string, unknown>[] {
  const text = stdout.trim();
  if (!text) return [];
  try {
    const doc = JSON.parse(text);
    return Array.isArray(doc) ? doc : [doc];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
  }
}

function collect(
  command: string,
  args: string[],
  env: Record<string, string>,
  limitMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, cwd: join(LAB_SRC, '..') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The expected-against-measured table. */
export function formatResults(results: ScenarioResult[]): string {
  const lines: string[] = [];
  const width = Math.max(8, ...results.map((r) => r.name.length));
  for (const r of results) {
    lines.push(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name.padEnd(width)}  ${r.isp}  ${r.seconds.toFixed(1)} s`);
    if (r.error) lines.push(`        error: ${r.error}`);
    for (const u of r.urls) {
      const o = u.observation;
      const seen = o
        ? [
            `dns ${o.dns}`,
            o.tcp && `tcp ${o.tcp}`,
            o.tls && `tls ${o.tls}`,
            o.http && `http ${o.http}`,
            o.kbit && `${o.kbit} kbit/s`,
          ]
            .filter(Boolean)
            .join(', ')
        : '';
      const v = u.verdict as { method?: string; outcome?: string; blocking?: unknown } | null | undefined;
      const verdict = v
        ? `verdict ${v.outcome}/${v.method ?? '-'}/${String(v.blocking)}`
        : u.skipped
          ? 'verdict not checked'
          : '';
      const mark = !u.pass ? '✗ ' : u.knownIssue ? '~ ' : 'ok';
      const remote = (u.remote ?? [])
        .map((r) => `${r.test_name} ${r.network} ${r.outcome}${r.method ? `/${r.method}` : ''}`)
        .join(', ');
      lines.push(`   ${mark} ${u.url}  ${[seen, verdict, remote && `remote: ${remote}`].filter(Boolean).join('; ')}`);
      if (u.knownIssue) lines.push(`        known issue: ${u.knownIssue}`);
      if (u.fixed) lines.push('        the known issue is fixed: remove "knownIssue" from the scenario');
      for (const m of u.mismatches) {
        lines.push(`        ${m.key}: expected ${JSON.stringify(m.expected)}, measured ${JSON.stringify(m.actual)}`);
      }
    }
  }
  const passed = results.filter((r) => r.pass).length;
  const known = results.flatMap((r) => r.urls).filter((u) => u.knownIssue).length;
  lines.push(
    '',
    `${passed}/${results.length} scenarios passed${known ? `, ${known} URL verdicts differ as known issues (~)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
