/**
 * telegram (OONI ts-020): can this network reach Telegram's data centres and its web front-end?
 *
 * Measured (all targets in parallel, each as OONI's urlgetter does: resolve → connect → TLS → HTTP):
 *   - every DC address (149.154.175.50, 149.154.167.51, 149.154.175.100, 149.154.167.91, 149.154.171.5,
 *     95.161.76.100) with a POST over plain HTTP on ports 80 and 443 (the DCs speak HTTP on 443, not TLS);
 *   - GET https://web.telegram.org/.
 * test_keys as OONI writes them (test_version 0.3.1): the network keys (queries, tcp_connect, tls_handshakes,
 * requests) plus telegram_http_blocking, telegram_tcp_blocking, telegram_web_status, telegram_web_failure.
 *
 * Verdict (`rules.ts` re-derives OONI's keys from the observations, so `blocking`/`accessible` are OONI's view):
 *   - telegram_tcp_blocking: no DC accepted a connection → blocking 'tcp_ip';
 *   - telegram_http_blocking: connections but no HTTP answer from any DC → 'http-failure';
 *   - telegram_web_status "blocked": web.telegram.org failed → 'dns' / 'tcp_ip' / 'http-failure' by its failure;
 *   - accessible when none of them holds. Our `method` says more: a bogon answer for web.telegram.org is DNS
 *     tampering whatever failed next, and the step that failed (connect, TLS, HTTP) names the method.
 * OONI's fastpath discards measurements whose requests lack a URL (an old probe bug): those keep OONI's blocking
 * but read `failure: true`, outcome unknown.
 * Differences from OONI: loopback and 0.0.0.0 answers are not dialled (OONI dials them) but reported as
 * `dns_bogon_error`; the HTTP step is a second connection after the recorded TCP/TLS one.
 *
 * Targets (`--targets FILE.json`, for the lab and tests; every key optional):
 *   { "dc": ["198.18.0.10", …], "dc_ports": [80, 443], "web": "https://web.telegram.org/" }
 * Host names (web.telegram.org) are pointed elsewhere with `--resolve` pins and trusted with `--ca`.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../errors.ts';
import type { Measurement } from '../../model/index.ts';
import type { Experiment, ExperimentRunOptions, Observation, OoniVerdict } from '../experiment.ts';
import {
  failedValues,
  ingestNetworkKeys,
  isBlockedStatus,
  ooniFromParts,
  serviceAnalyzer,
  testKeysOf,
} from '../observations.ts';
import { fetchTarget, finishRun, ipList, portList, startRun, targetsObject, urlField } from '../urlgetter.ts';
import { discardReason, resultsOf, type TelegramKeys, telegramKeys, telegramParts, usesTitleRule } from './rules.ts';

export const DC_ADDRESSES = [
  '149.154.175.50',
  '149.154.167.51',
  '149.154.175.100',
  '149.154.167.91',
  '149.154.171.5',
  '95.161.76.100',
];
export const DC_PORTS = [80, 443];
export const WEB_URL = 'https://web.telegram.org/';

export interface TelegramTargets {
  dc: string[];
  dc_ports: number[];
  web: string;
}

const VERSION = '0.3.1';

function parseTargets(json: unknown, where: string): TelegramTargets {
  const o = targetsObject(json, where, ['dc', 'dc_ports', 'web']);
  const web = urlField(o, 'web', where) ?? WEB_URL;
  // an IP-literal web target would read as one more DC in the observations
  if (isIP(new URL(web).hostname.replace(/^\[|\]$/g, ''))) {
    throw new InvalidArgumentError(`${where}: 'web' must name a host (pin it with --resolve), not an IP address`);
  }
  return {
    dc: ipList(o, 'dc', where) ?? DC_ADDRESSES,
    dc_ports: portList(o, 'dc_ports', where) ?? DC_PORTS,
    web,
  };
}

const dcUrl = (ip: string, port: number) =>
  `http://${ip.includes(':') ? `[${ip}]` : ip}${port === 80 ? '' : `:${port}`}/`;

async function measure(_input: string | null, options: ExperimentRunOptions) {
  const targets = (options.targets as TelegramTargets | undefined) ?? parseTargets({}, 'defaults');
  const startMs = (options.nowMs ?? Date.now)();
  const run = startRun(options);
  const dcs = targets.dc.flatMap((ip) => targets.dc_ports.map((port) => dcUrl(ip, port)));
  const [web, ...dcResults] = await Promise.all([
    fetchTarget(run, targets.web, 'GET'),
    ...dcs.map((url) => fetchTarget(run, url, 'POST')),
  ]);
  const keys = telegramKeys(
    [...dcResults.map((r) => ({ kind: 'dc' as const, ...r })), { kind: 'web' as const, ...web }],
    false,
  );
  return finishRun(run, telegram, startMs, keys) as unknown as Measurement<Record<string, unknown>>;
}

/** DC requests name an IP literal; every other request (and the lookups, TLS) is the web front-end. */
function targetOf(o: Omit<Observation, 'target'>): string {
  if (o.step === 'tcp') return 'tcp';
  const host = o.domain ?? '';
  return /^[\d.]+$|:/.test(host) ? 'dc' : 'web';
}

/** OONI's keys as the measurement states them (booleans and status strings; anything else reads as unknown). */
function ooniVerdict(measurement: Measurement<Record<string, unknown>>): OoniVerdict | undefined {
  const tk = testKeysOf(measurement);
  if (typeof tk === 'string' || typeof tk.telegram_tcp_blocking !== 'boolean') return undefined;
  const ooni = ooniFromParts(telegramParts(stated(tk)));
  const discarded = discardOf(measurement) !== undefined;
  return { ...ooni, anomaly: ooni.anomaly && !discarded, failure: discarded };
}

function discardOf(m: Measurement<Record<string, unknown>>): string | undefined {
  const tk = testKeysOf(m);
  return typeof tk === 'string' ? undefined : discardReason(m, tk);
}

function stated(tk: Record<string, unknown>): TelegramKeys {
  return {
    telegram_http_blocking: tk.telegram_http_blocking === true,
    telegram_tcp_blocking: tk.telegram_tcp_blocking === true,
    telegram_web_failure: typeof tk.telegram_web_failure === 'string' ? tk.telegram_web_failure : null,
    telegram_web_status: isBlockedStatus(tk.telegram_web_status) ? 'blocked' : 'ok',
  };
}

export const telegram: Experiment<Observation[]> = {
  name: 'telegram',
  version: VERSION,
  input: 'none',
  summary: "Telegram's data centres (HTTP on ports 80 and 443) and web.telegram.org (OONI ts-020)",
  measure,
  parseTargets,
  ingest: (m) => ingestNetworkKeys(m, targetOf),
  analyze: serviceAnalyzer(
    'telegram-0.1',
    'Telegram',
    (rows, m) => telegramParts(derivedKeys(rows, String(m.test_version ?? VERSION)), rows),
    (m) => discardOf(m),
  ),
  ooniVerdict,
  columns: [
    {
      name: 'blocked_dcs',
      type: 'Array(String)',
      description: 'the data-centre endpoints (ip:port) whose HTTP request failed',
      extract: (rows) =>
        failedValues(
          rows,
          (o) => o.step === 'http' && o.target === 'dc',
          (o) => o.address ?? o.url,
        ),
    },
    {
      name: 'web_status',
      type: 'String',
      description: "web.telegram.org: 'ok' or 'blocked', as OONI's telegram_web_status",
      extract: (rows, m) => derivedKeys(rows, String(m.test_version ?? VERSION)).telegram_web_status,
    },
  ],
};

/** OONI's keys re-derived from the observations (the parity tests compare them with what OONI wrote). */
export function derivedKeys(rows: Observation[], testVersion: string): TelegramKeys {
  return telegramKeys(resultsOf(rows), usesTitleRule(testVersion));
}
