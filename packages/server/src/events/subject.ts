/**
 * What an event is about, and which tests' verdicts feed it (pure). Two kinds of subject:
 *   - a URL, measured by web_connectivity: the subject is the URL, its domain the URL's host;
 *   - a messaging service, measured by an input-less test (telegram, whatsapp, signal): the subject is the test
 *     name itself (`telegram`), its domain empty (a service is several hosts, none of which names it).
 * The subject is what the events' `input` column holds, so series keys, group keys and event ids (`ids.ts`) are
 * built from it unchanged: one series per (country, network, URL) or (country, network, service). A test name
 * never collides with a URL: only inputs beginning with http:// or https:// become URL subjects.
 *
 * dnscheck, dns_remote and http_remote feed no events: a resolver test says nothing about one target, and remote
 * measurements corroborate events from outside (`remote-evidence.ts`).
 */
import { domainOf } from '../store/rows.ts';

/** The test whose verdicts feed URL events. */
export const URL_TEST = 'web_connectivity';

/** Input-less tests that feed service events, with the name a sentence gives each service. */
const SERVICE_NAMES: ReadonlyMap<string, string> = new Map([
  ['telegram', 'Telegram'],
  ['whatsapp', 'WhatsApp'],
  ['signal', 'Signal'],
]);

/** Every test_name whose measurements feed event detection. */
export const EVENT_TEST_NAMES: readonly string[] = [URL_TEST, ...SERVICE_NAMES.keys()];

export interface Subject {
  /** The URL, or the service's test name. */
  input: string;
  /** The URL's host; '' for a service. */
  domain: string;
}

const URL_INPUT = /^https?:\/\//i;

/** The subject a measurement of `testName` with `input` feeds, or null when it feeds no event. */
export function subjectOf(testName: string, input: string): Subject | null {
  if (testName === URL_TEST) return URL_INPUT.test(input) ? { input, domain: domainOf(input) } : null;
  if (SERVICE_NAMES.has(testName)) return { input: testName, domain: '' };
  return null;
}

/** Whether `input` can be an event's subject: an http(s) URL or a service's test name. */
export function isSubjectInput(input: string): boolean {
  return URL_INPUT.test(input) || SERVICE_NAMES.has(input);
}

/** The service an event's subject names ("Telegram"), or null when the subject is a URL. */
export function serviceNameOf(input: string): string | null {
  return SERVICE_NAMES.get(input) ?? null;
}

/** The test whose measurements make up a subject's history. */
export function testNameOfSubject(input: string): string {
  return SERVICE_NAMES.has(input) ? input : URL_TEST;
}
