/**
 * whatsapp (OONI ts-018): can this network reach WhatsApp's endpoints, its registration server and its web app?
 *
 * Measured (all targets in parallel, as OONI's urlgetter): TCP connect to e1…e16.whatsapp.net on ports 443 and
 * 5222; GET https://v.whatsapp.net/v2/register; GET https://web.whatsapp.com/ (any HTTP status is an answer).
 * test_keys as OONI writes them (test_version 0.11.0): the network keys plus registration_server_status/failure,
 * whatsapp_endpoints_status/blocked/dns_inconsistent and whatsapp_web_status/failure.
 *
 * Verdict (`rules.ts` re-derives OONI's keys from the observations, so `blocking`/`accessible` are OONI's view):
 *   - endpoints "blocked" (no endpoint connects) → blocking 'tcp_ip';
 *   - registration or web "blocked" → 'dns' / 'tcp_ip' / 'http-failure' by the reported failure;
 *   - accessible when none is blocked. Our method says more: bogon answers for a part's names (a DNS hijack
 *     to 0.0.0.0 or a local sinkhole) make it DNS tampering, whatever failed next; else the step that failed.
 * Differences from OONI: loopback and 0.0.0.0 answers are not dialled (OONI dials them) but reported as
 * `dns_bogon_error`; endpoints rebuilt from OONI's records vouch for each other when they share an address.
 *
 * Targets (`--targets FILE.json`, every key optional):
 *   { "endpoints": ["e1.whatsapp.net", …], "endpoint_ports": [443, 5222],
 *     "registration": "https://v.whatsapp.net/v2/register", "web": "https://web.whatsapp.com/" }
 * Host names are pointed at lab or test servers with `--resolve` pins (one per host and port) and `--ca`.
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Measurement } from '../../model/index.ts';
import type { Experiment, ExperimentRunOptions, Observation, OoniVerdict } from '../experiment.ts';
import { ingestNetworkKeys, isBlockedStatus, ooniFromParts, serviceAnalyzer, testKeysOf } from '../observations.ts';
import { connectTarget, fetchTarget, finishRun, portList, startRun, targetsObject, urlField } from '../urlgetter.ts';
import { REGISTRATION_URL, resultsOf, WEB_URL, type WhatsappKeys, whatsappKeys, whatsappParts } from './rules.ts';

export const ENDPOINTS = Array.from({ length: 16 }, (_, i) => `e${i + 1}.whatsapp.net`);
export const ENDPOINT_PORTS = [443, 5222];

export interface WhatsappTargets {
  endpoints: string[];
  endpoint_ports: number[];
  registration: string;
  web: string;
}

const VERSION = '0.11.0';

function parseTargets(json: unknown, where: string): WhatsappTargets {
  const o = targetsObject(json, where, ['endpoints', 'endpoint_ports', 'registration', 'web']);
  const endpoints = o.endpoints ?? ENDPOINTS;
  if (
    !Array.isArray(endpoints) ||
    endpoints.length === 0 ||
    endpoints.some((h) => typeof h !== 'string' || !/^e\d{1,2}\.[a-z0-9.-]+$/i.test(h))
  ) {
    throw new InvalidArgumentError(`${where}: 'endpoints' must be a non-empty list of eN.<domain> host names`);
  }
  return {
    endpoints: endpoints as string[],
    endpoint_ports: portList(o, 'endpoint_ports', where) ?? ENDPOINT_PORTS,
    registration: urlField(o, 'registration', where) ?? REGISTRATION_URL,
    web: urlField(o, 'web', where) ?? WEB_URL,
  };
}

async function measure(_input: string | null, options: ExperimentRunOptions) {
  const targets = (options.targets as WhatsappTargets | undefined) ?? parseTargets({}, 'defaults');
  const startMs = (options.nowMs ?? Date.now)();
  const run = startRun(options);
  const [registration, web, ...connects] = await Promise.all([
    fetchTarget(run, targets.registration, 'GET'),
    fetchTarget(run, targets.web, 'GET'),
    ...targets.endpoints.flatMap((host) => targets.endpoint_ports.map((port) => connectTarget(run, host, port))),
  ]);
  const endpoints = new Map<string, (string | null)[]>();
  targets.endpoints.forEach((host, i) => {
    const n = targets.endpoint_ports.length;
    endpoints.set(
      host,
      connects.slice(i * n, (i + 1) * n).map((r) => r?.failure ?? null),
    );
  });
  const keys = whatsappKeys({ endpoints, registration: registration.failure, https: web.failure });
  return finishRun(run, whatsapp, startMs, keys) as unknown as Measurement<Record<string, unknown>>;
}

/** Labels: the registration server (its /register URL), the web app over https and (legacy) http, endpoints. */
function label(o: Omit<Observation, 'target'>): string {
  if (o.step === 'http') {
    if (/\/register\b/.test(o.url ?? '')) return 'registration';
    return (o.url ?? '').startsWith('http:') ? 'web-http' : 'web';
  }
  return o.step === 'tcp' ? 'tcp' : 'endpoint';
}

function ingest(m: Measurement<Record<string, unknown>>): Observation[] | string {
  const rows = ingestNetworkKeys(m, label);
  if (typeof rows === 'string') return rows;
  // a lookup or handshake of a name an HTTP target fetched belongs to that target (https wins over http)
  const byDomain = new Map<string, string>();
  for (const o of rows)
    if (o.step === 'http' && o.domain && byDomain.get(o.domain) !== 'web') byDomain.set(o.domain, o.target);
  for (const o of rows) {
    if ((o.step === 'dns' || o.step === 'tls') && o.domain && byDomain.has(o.domain)) {
      o.target = byDomain.get(o.domain) === 'web-http' ? 'web' : (byDomain.get(o.domain) as string);
    }
  }
  return rows;
}

/** The endpoint ports measured: those of the connects to the endpoints' answers. */
function endpointPorts(rows: Observation[]): number[] {
  const addresses = new Set(
    rows.filter((o) => o.step === 'dns' && o.target === 'endpoint').flatMap((o) => o.answers ?? []),
  );
  const ports = new Set<number>();
  for (const o of rows) {
    if (o.step !== 'tcp' || !o.address) continue;
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(o.address);
    if (m?.[1] && addresses.has(m[1])) ports.add(Number(m[2]));
  }
  return ports.size ? [...ports].sort((a, b) => a - b) : ENDPOINT_PORTS;
}

/** OONI's keys re-derived from the observations (the parity tests compare them with what OONI wrote). */
export function derivedKeys(rows: Observation[], testVersion: string): WhatsappKeys {
  return whatsappKeys(resultsOf(rows, testVersion, endpointPorts(rows)));
}

/** The derived keys both observation columns read: derived once per measurement's observations. */
const keysOfRows = new WeakMap<Observation[], WhatsappKeys>();
function columnKeys(rows: Observation[], m: Measurement<Record<string, unknown>>): WhatsappKeys {
  let keys = keysOfRows.get(rows);
  if (!keys) {
    keys = derivedKeys(rows, String(m.test_version ?? VERSION));
    keysOfRows.set(rows, keys);
  }
  return keys;
}

function ooniVerdict(m: Measurement<Record<string, unknown>>): OoniVerdict | undefined {
  const tk = testKeysOf(m);
  if (typeof tk === 'string' || typeof tk.whatsapp_endpoints_status !== 'string') return undefined;
  const failure = (v: unknown) => (typeof v === 'string' ? v : null);
  const keys: WhatsappKeys = {
    registration_server_failure: failure(tk.registration_server_failure),
    registration_server_status: isBlockedStatus(tk.registration_server_status) ? 'blocked' : 'ok',
    whatsapp_endpoints_blocked: [],
    whatsapp_endpoints_dns_inconsistent: [],
    whatsapp_endpoints_status: isBlockedStatus(tk.whatsapp_endpoints_status) ? 'blocked' : 'ok',
    whatsapp_web_failure: failure(tk.whatsapp_web_failure),
    whatsapp_web_status: isBlockedStatus(tk.whatsapp_web_status) ? 'blocked' : 'ok',
  };
  return ooniFromParts(whatsappParts(keys));
}

export const whatsapp: Experiment<Observation[]> = {
  name: 'whatsapp',
  version: VERSION,
  input: 'none',
  summary: "WhatsApp's endpoints (TCP 443/5222), registration server and web app (OONI ts-018)",
  measure,
  parseTargets,
  ingest,
  analyze: serviceAnalyzer('whatsapp-0.1', 'WhatsApp', (rows, m) =>
    whatsappParts(derivedKeys(rows, String(m.test_version ?? VERSION)), rows),
  ),
  ooniVerdict,
  columns: [
    {
      name: 'blocked_endpoints',
      type: 'Array(String)',
      description: "the endpoints (e1…e16.whatsapp.net) no connection reached, as OONI's whatsapp_endpoints_blocked",
      extract: (rows, m) => columnKeys(rows, m).whatsapp_endpoints_blocked,
    },
    {
      name: 'registration_status',
      type: 'String',
      description: "the registration server: 'ok' or 'blocked', as OONI's registration_server_status",
      extract: (rows, m) => columnKeys(rows, m).registration_server_status,
    },
  ],
};
