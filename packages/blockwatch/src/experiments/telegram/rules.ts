/**
 * OONI's telegram rules (ts-020; probe-cli's telegram TestKeys.Update), pure, applied two ways: to the probe's
 * own step results while measuring, and to the observations of any telegram measurement (ours or OONI's) when
 * analysing, so that both give the same test_keys.
 *
 * - DCs (POST to every DC address on ports 80 and 443): one answer, whatever its status, clears both
 *   `telegram_http_blocking` and `telegram_tcp_blocking`; a failure after the connect clears the TCP one only.
 *   Both start true: no DC measured at all reads as blocked, as in OONI.
 * - web (GET https://web.telegram.org/): any failure makes `telegram_web_status` "blocked" with that failure.
 *   Before test_version 0.3.0 (2022-12-07) OONI also fetched http://web.telegram.org/ and called a page without
 *   the title "Telegram Web" blocked (`telegram_missing_title_error`); measurements of those versions are read
 *   with that rule (a body that was not recorded is not checked).
 */
import type { Observation } from '../experiment.ts';
import { type BlockedPart, classicOf, writtenByUs } from '../observations.ts';

export interface TelegramKeys {
  telegram_http_blocking: boolean;
  telegram_tcp_blocking: boolean;
  telegram_web_failure: string | null;
  telegram_web_status: 'ok' | 'blocked';
}

export interface TelegramResult {
  kind: 'dc' | 'web';
  failure: string | null;
  /** the step that failed (connect, tls_handshake, …), null on success or when unknown */
  failed_operation: string | null;
  /** web only, legacy rule: the final page's title ('' none; undefined when no body was recorded) */
  title?: string;
  /** web only: a redirect, which is not the end of the chain */
  redirect?: boolean;
}

export const WEB_TITLE = 'Telegram Web';

/** Whether a measurement of this version used the title rule (before 0.3.0). */
export function usesTitleRule(testVersion: string): boolean {
  const [major = 0, minor = 0] = testVersion.split('.').map(Number);
  return major === 0 && minor < 3;
}

/** OONI's Update over the targets' results, in the order they were collected. */
export function telegramKeys(results: TelegramResult[], titleRule: boolean): TelegramKeys {
  const keys: TelegramKeys = {
    telegram_http_blocking: true,
    telegram_tcp_blocking: true,
    telegram_web_failure: null,
    telegram_web_status: 'ok',
  };
  for (const r of results) {
    if (r.kind === 'dc') {
      if (r.failure === null) {
        keys.telegram_http_blocking = false;
        keys.telegram_tcp_blocking = false;
      } else if (r.failed_operation !== 'connect') keys.telegram_tcp_blocking = false;
      continue;
    }
    if (keys.telegram_web_status === 'blocked') continue; // the first failing web target is the one reported
    const failure =
      r.failure ??
      (titleRule && !r.redirect && r.title !== undefined && r.title !== WEB_TITLE
        ? 'telegram_missing_title_error'
        : null);
    if (failure !== null) {
      keys.telegram_web_status = 'blocked';
      keys.telegram_web_failure = failure;
    }
  }
  return keys;
}

const hostOfAddress = (a: string) => a.replace(/^\[?(.*?)\]?:\d+$/, '$1');

/**
 * The results as OONI's requests record them: one request per DC target (their URL names ip:port), one chain
 * per web target. A DC request's failed step is the writer's `x_failed_operation`, else a failed TCP connect to
 * the same ip:port with no successful one.
 */
export function resultsOf(rows: Observation[]): TelegramResult[] {
  const tcpFailed = new Set<string>();
  const tcpOk = new Set<string>();
  for (const o of rows) {
    if (o.step !== 'tcp' || !o.address) continue;
    (o.failure === null ? tcpOk : tcpFailed).add(o.address);
  }
  const out: TelegramResult[] = [];
  for (const o of rows) {
    if (o.step !== 'http') continue;
    if (o.target === 'dc') {
      const endpoint = dcEndpoint(o.url ?? '');
      const connectFailed = endpoint !== null && tcpFailed.has(endpoint) && !tcpOk.has(endpoint);
      out.push({
        kind: 'dc',
        failure: o.failure,
        failed_operation: o.failure === null ? null : (o.failed_operation ?? (connectFailed ? 'connect' : null)),
      });
      continue;
    }
    const redirect = o.status !== undefined && o.status >= 300 && o.status < 400;
    out.push({
      kind: 'web',
      failure: o.failure,
      failed_operation: o.failed_operation ?? null,
      ...(o.title !== undefined ? { title: o.title } : {}),
      redirect,
    });
  }
  return out;
}

/** "ip:port" of a DC URL (http://ip/ is port 80), or null. */
function dcEndpoint(url: string): string | null {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.hostname}:${port}`;
  } catch {
    return null;
  }
}

/** The parts OONI's keys call blocked, first the DCs then the web front-end. */
export function telegramParts(keys: TelegramKeys, rows: Observation[] = []): BlockedPart[] {
  const dcs = [
    ...new Set(rows.filter((o) => o.target === 'dc' && o.url).map((o) => hostOfAddress(new URL(o.url as string).host))),
  ];
  const dcFailure = rows.find((o) => o.target === 'dc' && o.step === 'http' && o.failure !== null)?.failure ?? null;
  const parts: BlockedPart[] = [];
  if (keys.telegram_tcp_blocking) {
    parts.push({ label: 'the Telegram DC endpoints', classic: 'tcp_ip', failure: dcFailure, domains: dcs });
  } else if (keys.telegram_http_blocking) {
    parts.push({
      label: 'the Telegram DC endpoints over HTTP',
      classic: 'http-failure',
      failure: dcFailure,
      domains: dcs,
    });
  }
  if (keys.telegram_web_status === 'blocked') {
    const webDomains = [...new Set(rows.filter((o) => o.target === 'web' && o.domain).map((o) => o.domain as string))];
    parts.push({
      label: 'web.telegram.org',
      classic: classicOf(keys.telegram_web_failure),
      failure: keys.telegram_web_failure,
      domains: webDomains.length ? webDomains : ['web.telegram.org'],
    });
  }
  return parts;
}

/**
 * Why OONI's fastpath discards this measurement (its score_measurement_telegram), or undefined: a request without
 * a URL is an old client's bug there. Only OONI's probes.
 */
export function discardReason(m: Record<string, unknown>, tk: Record<string, unknown>): string | undefined {
  if (writtenByUs(m)) return undefined;
  const requests = Array.isArray(tk.requests) ? tk.requests : [];
  const noUrl = requests.some((r) => typeof (r as { request?: { url?: unknown } })?.request?.url !== 'string');
  return noUrl ? 'requests without a URL (an old probe bug the fastpath discards)' : undefined;
}
