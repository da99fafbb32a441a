/**
 * OONI's whatsapp rules (ts-018; probe-cli's whatsapp TestKeys.Update and ComputeWebStatus), pure.
 *
 * - endpoints (TCP connect to e1…e16.whatsapp.net on 443 and 5222): one connect is enough for
 *   `whatsapp_endpoints_status` "ok"; a host whose both ports fail is listed in `whatsapp_endpoints_blocked`
 *   (OONI lists in completion order, we in host order); `whatsapp_endpoints_dns_inconsistent` is always empty, as
 *   OONI's probe writes it today.
 * - registration (GET https://v.whatsapp.net/v2/register): any failure is "blocked" with that failure.
 * - web (GET https://web.whatsapp.com/, any status): any failure is "blocked". Before test_version 0.10.0 OONI
 *   also fetched http://web.whatsapp.com/, which had to answer 302 to https://web.whatsapp.com/
 *   (else `http_unexpected_status_code` / `http_unexpected_redirect_url`); the HTTPS failure is reported first.
 * - a part not measured at all keeps OONI's initial value: "blocked" with `unknown_failure`.
 *
 * From OONI's records an endpoint's outcome is rebuilt: its lookup failed, or no connect to one of its answers on
 * that port succeeded (the hosts share addresses, so a connect made for one host vouches for the others).
 */
import type { Observation } from '../experiment.ts';
import { type BlockedPart, classicOf } from '../observations.ts';

export interface WhatsappKeys {
  registration_server_failure: string | null;
  registration_server_status: 'ok' | 'blocked';
  whatsapp_endpoints_blocked: string[];
  whatsapp_endpoints_dns_inconsistent: string[];
  whatsapp_endpoints_status: 'ok' | 'blocked';
  whatsapp_web_failure: string | null;
  whatsapp_web_status: 'ok' | 'blocked';
}

export interface WhatsappResults {
  /** host → the failure of each port's connect (null: connected) */
  endpoints: Map<string, (string | null)[]>;
  /** undefined: not measured */
  registration?: string | null;
  https?: string | null;
  /** before 0.10.0: the http:// check's failure (null: the expected redirect) */
  http?: string | null;
}

const UNKNOWN = 'unknown_failure';

export function whatsappKeys(r: WhatsappResults): WhatsappKeys {
  const blocked: string[] = [];
  let anyOk = false;
  for (const [host, failures] of r.endpoints) {
    if (failures.some((f) => f === null)) anyOk = true;
    if (failures.filter((f) => f !== null).length >= 2) blocked.push(host);
  }
  const registration = r.registration === undefined ? UNKNOWN : r.registration;
  const https = r.https === undefined ? UNKNOWN : r.https;
  const web = https ?? r.http ?? null;
  return {
    registration_server_failure: registration,
    registration_server_status: registration === null ? 'ok' : 'blocked',
    whatsapp_endpoints_blocked: blocked,
    whatsapp_endpoints_dns_inconsistent: [],
    whatsapp_endpoints_status: anyOk ? 'ok' : 'blocked',
    whatsapp_web_failure: web,
    whatsapp_web_status: web === null ? 'ok' : 'blocked',
  };
}

export const REGISTRATION_URL = 'https://v.whatsapp.net/v2/register';
export const WEB_URL = 'https://web.whatsapp.com/';
export const WEB_HTTP_URL = 'http://web.whatsapp.com/';

/** Whether a measurement of this version also checked http://web.whatsapp.com/ (before 0.10.0). */
export function checksHttpWeb(testVersion: string): boolean {
  const [major = 0, minor = 0] = testVersion.split('.').map(Number);
  return major === 0 && minor < 10;
}

/** The legacy http:// check on one response. */
export function httpWebFailure(o: Observation): string | null {
  if (o.failure !== null) return o.failure;
  if (o.status !== 302) return 'http_unexpected_status_code';
  return o.location === WEB_URL ? null : 'http_unexpected_redirect_url';
}

const hostOf = (address: string) => address.replace(/^\[?(.*?)\]?:\d+$/, '$1');
const portOf = (address: string) => Number(/:(\d+)$/.exec(address)?.[1] ?? 0);

/** The results rebuilt from observations; `ports` are the endpoint ports measured (OONI: 443 and 5222). */
export function resultsOf(rows: Observation[], testVersion: string, ports: number[]): WhatsappResults {
  const answers = new Map<string, { failure: string | null; addresses: Set<string> }>();
  for (const o of rows) {
    if (o.step !== 'dns' || o.target !== 'endpoint' || !o.domain) continue;
    const known = answers.get(o.domain) ?? { failure: o.failure, addresses: new Set<string>() };
    for (const a of o.answers ?? []) known.addresses.add(a);
    if (o.failure === null) known.failure = null;
    answers.set(o.domain, known);
  }
  const connected = new Set<string>();
  const failedWith = new Map<string, string>();
  for (const o of rows) {
    if (o.step !== 'tcp' || !o.address) continue;
    const key = `${hostOf(o.address)}|${portOf(o.address)}`;
    if (o.failure === null) connected.add(key);
    else if (!failedWith.has(key)) failedWith.set(key, o.failure);
  }
  const endpoints = new Map<string, (string | null)[]>();
  for (const [host, dns] of [...answers].sort(([a], [b]) => endpointOrder(a) - endpointOrder(b))) {
    endpoints.set(
      host,
      ports.map((port) => {
        if (dns.addresses.size === 0) return dns.failure ?? 'dns_no_answer';
        const keys = [...dns.addresses].map((ip) => `${ip}|${port}`);
        if (keys.some((k) => connected.has(k))) return null;
        return keys.map((k) => failedWith.get(k)).find((f) => f !== undefined) ?? 'generic_timeout_error';
      }),
    );
  }
  const results: WhatsappResults = { endpoints };
  const http = rows.filter((o) => o.step === 'http');
  const final = (target: string) => http.find((o) => o.target === target);
  const registration = final('registration');
  if (registration) results.registration = registration.failure;
  const https = final('web');
  if (https) results.https = https.failure;
  const plain = final('web-http');
  if (checksHttpWeb(testVersion) && plain) results.http = httpWebFailure(plain);
  return results;
}

/** e1 … e16 in numeric order. */
function endpointOrder(host: string): number {
  return Number(/^e(\d+)\./.exec(host)?.[1] ?? 1000);
}

export function whatsappParts(keys: WhatsappKeys, rows: Observation[] = []): BlockedPart[] {
  const domains = (target: string) => [
    ...new Set(rows.filter((o) => o.target === target && o.domain).map((o) => o.domain as string)),
  ];
  const parts: BlockedPart[] = [];
  if (keys.whatsapp_endpoints_status === 'blocked') {
    const failure = rows.find((o) => o.target === 'endpoint' && o.failure !== null)?.failure ?? null;
    parts.push({ label: 'the WhatsApp endpoints', classic: 'tcp_ip', failure, domains: domains('endpoint') });
  }
  if (keys.registration_server_status === 'blocked') {
    parts.push({
      label: 'the registration server',
      classic: classicOf(keys.registration_server_failure),
      failure: keys.registration_server_failure,
      domains: domains('registration'),
    });
  }
  if (keys.whatsapp_web_status === 'blocked') {
    parts.push({
      label: 'web.whatsapp.com',
      classic: classicOf(keys.whatsapp_web_failure),
      failure: keys.whatsapp_web_failure,
      domains: [...new Set([...domains('web'), ...domains('web-http')])],
    });
  }
  return parts;
}
