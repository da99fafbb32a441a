/**
 * dnscheck (after OONI ts-028): one domain through several resolvers, compared with a control.
 *
 * Measured (in parallel): the system resolver (`system:///`), each UDP resolver (`--resolver` and the targets'
 * `resolvers`; A and AAAA, replies arriving after the first kept as injection evidence) and each DoH endpoint
 * (`--doh` and the targets' `doh`: its name resolved, TCP connect and TLS handshake recorded, then A and AAAA
 * over DoH). Then the control: the helper (`--helper`) for the domain's addresses and for whether it reaches each
 * DoH endpoint, or a control resolver from the targets for the addresses.
 *
 * test_keys, OONI's shape as far as it fits: `domain`, `bootstrap`/`bootstrap_failure` (null: each DoH server's
 * own name lookup is in its lookup), `lookups` keyed by resolver URL, each with OONI's network keys, `failure`,
 * `failed_operation` and (UDP) `x_dns_duplicate_responses`; plus `x_control` (source, addrs, failure, and per
 * DoH URL the control's TCP/TLS failures). OONI's dnscheck takes one resolver URL as its input and writes no
 * verdict (its fastpath does not score it); ours takes the domain as input and writes a verdict.
 *
 * Verdict (analysis.ts): `blocking` 'dns' when a resolver's answers are forged (bogons, an injected reply, no
 * address or AS in common with the control, NXDOMAIN where the control resolves the name); 'tcp_ip' or
 * 'http-failure' when a DoH endpoint fails while the control reaches it (method tls for a reset or stalled
 * handshake); accessible when every answer agrees; unknown when nothing answered and nothing decides.
 *
 * Targets (`--targets FILE.json`, every key optional):
 *   { "resolvers": ["198.18.0.53:53", …], "doh": ["https://dns.example/dns-query", …],
 *     "control_resolver": "198.18.9.53:53", "system": false }
 * (`system: false` skips the system resolver: for tests, or a lab whose own resolver is not under test.)
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { DnsQuery, Measurement } from '../../model/index.ts';
import { dnsNameProblem, formatEndpoint, lookupDoh, lookupSystem, lookupUdp, parseResolver } from '../../netx/index.ts';
import { buildControlRequest, requestControl } from '../../probe/control.ts';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from '../../probe/envelope.ts';
import { pinKey } from '../../probe/resolve-pins.ts';
import type { AnalyzeOptions } from '../../verdict/index.ts';
import type { Experiment, ExperimentRunOptions, Observation } from '../experiment.ts';
import { failedValues, ingestNetworkKeys, neverThrows, testKeysOf } from '../observations.ts';
import {
  annotate,
  childRun,
  finishRun,
  openTarget,
  STEP_MS,
  type StepRun,
  startRun,
  targetsObject,
  urlList,
} from '../urlgetter.ts';
import { analyzeDnscheck, CONTROL, controlOf, lateOf } from './analysis.ts';

export const SYSTEM = 'system:///';
const VERSION = '0.1.0';
const CONTROL_MS = 30_000;

export interface DnscheckTargets {
  resolvers: string[];
  doh: string[];
  control_resolver?: string;
  system: boolean;
}

function parseTargets(json: unknown, where: string): DnscheckTargets {
  const o = targetsObject(json, where, ['resolvers', 'doh', 'control_resolver', 'system']);
  const resolver = (v: unknown, what: string) => {
    try {
      if (typeof v !== 'string') throw new Error();
      parseResolver(v);
      return v;
    } catch {
      throw new InvalidArgumentError(`${where}: '${what}' must be a resolver "ip[:port]", got ${JSON.stringify(v)}`);
    }
  };
  const resolvers = o.resolvers ?? [];
  if (!Array.isArray(resolvers)) throw new InvalidArgumentError(`${where}: 'resolvers' must be a list`);
  if (o.system !== undefined && typeof o.system !== 'boolean') {
    throw new InvalidArgumentError(`${where}: 'system' must be true or false`);
  }
  return {
    resolvers: resolvers.map((r, i) => resolver(r, `resolvers[${i}]`)),
    doh: (urlList(o, 'doh', where) ?? []).filter((u, i) => {
      if (!u.startsWith('https://')) throw new InvalidArgumentError(`${where}: 'doh[${i}]' must be an https:// URL`);
      return true;
    }),
    ...(o.control_resolver !== undefined ? { control_resolver: resolver(o.control_resolver, 'control_resolver') } : {}),
    system: o.system !== false,
  };
}

/** The input as dnscheck asks for it: any DNS name (`_dmarc.example.com` too), lower case, without a trailing dot. */
function checkDomain(input: string | null): string {
  const domain = (input ?? '').trim();
  const problem = dnsNameProblem(domain);
  if (problem) throw new InvalidArgumentError(`dnscheck input: ${problem}`);
  return domain.toLowerCase().replace(/\.$/, '');
}

interface Lookup {
  url: string;
  run: StepRun;
  failure: string | null;
  failed_operation: string | null;
  duplicates: DnsQuery[];
  /** DoH: the endpoint's address that answered */
  ip?: string;
}

const signalOf = (run: StepRun) => (run.options.signal ? { signal: run.options.signal } : {});

function settle(lookup: Lookup): Lookup {
  const queries = lookup.run.keys.queries;
  if (lookup.failure === null && queries.length && queries.every((q) => q.failure !== null)) {
    lookup.failure = queries[0]?.failure ?? null;
    lookup.failed_operation = 'resolve';
  }
  return lookup;
}

async function systemLookup(run: StepRun, domain: string): Promise<Lookup> {
  const child = childRun(run);
  child.keys.queries.push(
    await lookupSystem(domain, { trace: run.trace, timeoutMs: run.budget(STEP_MS.dns), ...signalOf(run) }),
  );
  return settle({ url: SYSTEM, run: child, failure: null, failed_operation: null, duplicates: [] });
}

async function udpLookup(run: StepRun, domain: string, resolver: string): Promise<Lookup> {
  const child = childRun(run);
  const { ip, port } = parseResolver(resolver);
  run.servers.add(ip);
  const results = await Promise.all(
    (['A', 'AAAA'] as const).map((queryType) =>
      lookupUdp(domain, {
        trace: run.trace,
        resolver,
        queryType,
        timeoutMs: run.budget(STEP_MS.dns),
        lingerMs: 500,
        ...signalOf(run),
      }),
    ),
  );
  child.keys.queries.push(...results.map((r) => r.query));
  const url = `udp://${formatEndpoint(ip, port)}`;
  return settle({
    url,
    run: child,
    failure: null,
    failed_operation: null,
    duplicates: results.flatMap((r) => r.duplicates),
  });
}

async function dohLookup(run: StepRun, domain: string, url: string): Promise<Lookup> {
  const child = childRun(run);
  const opened = await openTarget(child, new URL(url));
  const ip = opened.ip;
  if (opened.failure !== null || ip === null) {
    const { failure, failed_operation } = opened;
    return { url, run: child, failure, failed_operation, duplicates: [], ...(ip ? { ip } : {}) };
  }
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const queries = await Promise.all(
    (['A', 'AAAA'] as const).map((queryType) =>
      lookupDoh(domain, {
        trace: run.trace,
        url,
        queryType,
        timeoutMs: run.budget(STEP_MS.dns),
        ...(run.options.ca ? { ca: run.options.ca } : {}),
        resolve: new Map([[host, ip]]),
        ...signalOf(run),
      }),
    ),
  );
  child.keys.queries.push(...queries);
  return settle({ url, run: child, failure: null, failed_operation: null, duplicates: [], ip });
}

interface ControlKeys {
  source: 'helper' | 'resolver' | null;
  address: string | null;
  failure: string | null;
  addrs: string[];
  /** per DoH URL: what the control met connecting to the endpoint the probe used */
  endpoints: Record<string, { tcp_failure: string | null; tls_failure: string | null }>;
}

async function measureControl(
  run: StepRun,
  domain: string,
  targets: DnscheckTargets,
  doh: Lookup[],
): Promise<ControlKeys> {
  const { options } = run;
  if (options.helperUrl) {
    const helperUrl = options.helperUrl;
    const ask = (url: string, addresses: string[]) =>
      requestControl({
        helperUrl,
        request: buildControlRequest(url, addresses, {}),
        timeoutMs: run.budget(CONTROL_MS),
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.pins ? { pins: options.pins } : {}),
        userAgent: `${SOFTWARE_NAME}/${SOFTWARE_VERSION}`,
        ...signalOf(run),
      });
    const [main, ...views] = await Promise.all([
      ask(`https://${domain}/`, []),
      ...doh.map((l) => (l.ip ? ask(l.url, [l.ip]) : Promise.resolve(null))),
    ]);
    const endpoints: ControlKeys['endpoints'] = {};
    doh.forEach((l, i) => {
      const view = views[i];
      if (!l.ip || !view?.control) return;
      const u = new URL(l.url);
      const endpoint = formatEndpoint(l.ip, u.port ? Number(u.port) : 443);
      const tcp = view.control.tcp_connect[endpoint];
      const tls = view.control.tls_handshake?.[endpoint];
      endpoints[l.url] = {
        tcp_failure: tcp ? (tcp.status ? null : (tcp.failure ?? 'unknown_failure')) : 'unknown_failure',
        tls_failure: tls ? (tls.status ? null : (tls.failure ?? 'unknown_failure')) : null,
      };
    });
    return {
      source: 'helper',
      address: helperUrl,
      failure: main.control_failure ?? main.control?.dns.failure ?? null,
      addrs: main.control?.dns.addrs ?? [],
      endpoints,
    };
  }
  if (targets.control_resolver) {
    const control = await udpLookup(run, domain, targets.control_resolver);
    const queries = control.run.keys.queries;
    return {
      source: 'resolver',
      address: targets.control_resolver,
      failure: control.failure,
      addrs: queries.flatMap((q) => (q.answers ?? []).flatMap((a) => (a.ipv4 ? [a.ipv4] : a.ipv6 ? [a.ipv6] : []))),
      endpoints: {},
    };
  }
  return { source: null, address: null, failure: null, addrs: [], endpoints: {} };
}

async function measure(input: string | null, options: ExperimentRunOptions) {
  const domain = checkDomain(input);
  const targets = (options.targets as DnscheckTargets | undefined) ?? parseTargets({}, 'defaults');
  const startMs = (options.nowMs ?? Date.now)();
  const run = startRun(options);
  const udp = [...new Set([...(options.resolver ? [options.resolver] : []), ...targets.resolvers])];
  const doh = [...new Set([...(options.doh ? [options.doh] : []), ...targets.doh])];
  for (const url of doh) {
    // the DoH endpoint's pinned address is a server this measurement met, never the probe's own
    const u = new URL(url);
    for (const ip of options.pins?.get(pinKey(u.hostname, u.port || 443)) ?? []) run.servers.add(ip);
  }
  const [system, udpLookups, dohLookups] = await Promise.all([
    targets.system ? systemLookup(run, domain) : Promise.resolve(null),
    Promise.all(udp.map((r) => udpLookup(run, domain, r))),
    Promise.all(doh.map((u) => dohLookup(run, domain, u))),
  ]);
  const control = await measureControl(run, domain, targets, dohLookups);
  const lookups: Record<string, unknown> = {};
  for (const l of [...(system ? [system] : []), ...udpLookups, ...dohLookups]) {
    lookups[l.url] = {
      agent: 'redirect',
      failed_operation: l.failed_operation,
      failure: l.failure,
      ...l.run.keys,
      requests: null,
      ...(l.url.startsWith('udp://') ? { x_dns_duplicate_responses: l.duplicates } : {}),
    };
  }
  for (const l of [...(system ? [system] : []), ...udpLookups, ...dohLookups])
    for (const q of [...l.run.keys.queries, ...l.duplicates]) annotate(run, q);
  // every address met as an answer is a fact about the network, never the probe's identity
  for (const ip of control.addrs) run.servers.add(ip);
  for (const l of [...(system ? [system] : []), ...udpLookups, ...dohLookups])
    for (const q of [...l.run.keys.queries, ...l.duplicates])
      for (const a of q.answers ?? []) if (a.ipv4 ?? a.ipv6) run.servers.add((a.ipv4 ?? a.ipv6) as string);
  const measurement = finishRun(run, dnscheck, startMs, {
    domain,
    bootstrap: null,
    bootstrap_failure: null,
    lookups,
    x_control: control,
  });
  // the envelope's network keys belong to the lookups here: OONI's dnscheck has none at the top level
  const tk = measurement.test_keys as unknown as Record<string, unknown>;
  for (const key of ['agent', 'failed_operation', 'failure', 'queries', 'tcp_connect', 'tls_handshakes', 'requests'])
    delete tk[key];
  measurement.input = domain;
  return measurement as unknown as Measurement<Record<string, unknown>>;
}

function ingest(m: Measurement<Record<string, unknown>>): Observation[] | string {
  const tk = testKeysOf(m);
  if (typeof tk === 'string') return tk;
  if (typeof tk.lookups !== 'object' || tk.lookups === null) return 'test_keys.lookups is missing or not an object';
  const rows: Observation[] = [];
  for (const [url, lookup] of Object.entries(tk.lookups as Record<string, unknown>)) {
    const got = ingestNetworkKeys({ test_keys: lookup }, () => url);
    if (typeof got === 'string') return `lookups[${url}] is not an object`;
    rows.push(...got);
    const late = ingestNetworkKeys(
      { test_keys: { queries: (lookup as Record<string, unknown>)?.x_dns_duplicate_responses } },
      () => lateOf(url),
    );
    if (typeof late !== 'string') rows.push(...late);
  }
  const control = tk.x_control as ControlKeys | null | undefined;
  if (control?.source) {
    rows.push({
      step: 'dns',
      target: CONTROL,
      domain: String(tk.domain ?? m.input ?? ''),
      failure: control.failure,
      answers: control.addrs ?? [],
    });
    for (const [url, view] of Object.entries(control.endpoints ?? {})) {
      rows.push({ step: 'tcp', target: controlOf(url), failure: view.tcp_failure });
      if (view.tcp_failure === null) rows.push({ step: 'tls', target: controlOf(url), failure: view.tls_failure });
    }
  }
  return rows;
}

function analyze(rows: Observation[], m: Measurement<Record<string, unknown>>, options: AnalyzeOptions) {
  const tk = testKeysOf(m);
  const domain = String((typeof tk === 'string' ? null : tk.domain) ?? m.input ?? '');
  return analyzeDnscheck(rows, {
    domain,
    ...(options.asnOf ? { asnOf: options.asnOf } : {}),
    ...(options.isPublicOverride ? { isPublicOverride: options.isPublicOverride } : {}),
  });
}

export const dnscheck: Experiment<Observation[]> = {
  name: 'dnscheck',
  version: VERSION,
  input: 'domain',
  summary: 'one domain through the system resolver, UDP resolvers and DoH endpoints, compared with a control',
  measure,
  parseTargets,
  ingest,
  analyze: neverThrows('dnscheck-0.1', analyze),
  // OONI writes no verdict for dnscheck (and its fastpath does not score it): nothing to store beside ours.
  ooniVerdict: () => undefined,
  columns: [
    {
      name: 'failing_resolvers',
      type: 'Array(String)',
      description: 'the resolvers (system, udp://, https://) whose lookup failed',
      extract: (rows) => failedValues(rows, isResolverLookup, (o) => o.target),
    },
    {
      name: 'doh_failure',
      type: 'String',
      description: "the first DoH resolver's lookup failure, '' when every DoH lookup answered",
      extract: (rows) =>
        rows.find((o) => isResolverLookup(o) && o.target.startsWith('https://') && o.failure)?.failure ?? '',
    },
  ],
};

/** A lookup through one of the measured resolvers (not the control's, not a late duplicate answer). */
function isResolverLookup(o: Observation): boolean {
  return o.step === 'dns' && o.target !== CONTROL && !o.target.startsWith('control:') && !o.target.startsWith('late:');
}
