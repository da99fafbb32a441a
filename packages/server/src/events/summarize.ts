/**
 * One sentence per event, and the answer to "since when is this blocked here?". Pure; times in UTC.
 *   "Blocked in KZ since 2014-11-24 between 06:00 and 10:00 UTC on 3 of 3 networks (DNS, HTTP block page, TLS)"
 *   "Telegram blocked in KZ since 2014-11-24 between 06:00 and 10:00 UTC on 2 of 3 networks (TCP/IP)"
 */
import type { BlockingMethod } from 'blockwatch/model';
import { serviceNameOf } from './subject.ts';
import type { BlockingEvent, Bracket } from './types.ts';

export const METHOD_LABELS: Record<BlockingMethod, string> = {
  dns: 'DNS',
  tcp_ip: 'TCP/IP',
  tls: 'TLS',
  tls_interception: 'TLS interception',
  http_blockpage: 'HTTP block page',
  http_failure: 'HTTP failure',
  throttling: 'throttling',
};

const MINUTE = 60_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A bracket in words, rounded outwards to the minute so the sentence never claims more precision than the data:
 * "2014-11-24 between 06:00 and 10:00 UTC", "a time between 2014-11-23 22:00 and 2014-11-24 06:00 UTC", or
 * "at least 2014-11-24 06:00 UTC" when the series began in the new state.
 */
export function describeBracket(b: Bracket): string {
  const after = Math.ceil(b.after.timeMs / MINUTE) * MINUTE;
  if (!b.before) return `at least ${day(after)} ${hm(after)} UTC`;
  const before = Math.floor(b.before.timeMs / MINUTE) * MINUTE;
  if (day(before) === day(after)) return `${day(after)} between ${hm(before)} and ${hm(after)} UTC`;
  return `a time between ${day(before)} ${hm(before)} and ${day(after)} ${hm(after)} UTC`;
}

function methodList(methods: readonly BlockingMethod[]): string {
  return methods.length ? ` (${methods.map((m) => METHOD_LABELS[m] ?? m).join(', ')})` : '';
}

/**
 * "Blocked in KZ since … on 3 of 3 networks (DNS, TLS)" / "Was blocked in KZ from … until … on 2 of 4 networks".
 * A URL's sentence leaves the URL to its context (the feed entry, the page it is on); a service's names the
 * service, which nothing else around it does: "Telegram blocked in KZ since … on 2 of 3 networks (TCP/IP)".
 * `named: false` leaves the service out too, for a sentence that names it itself (`answerSince`).
 */
export function summarizeEvent(event: BlockingEvent, options: { named?: boolean } = {}): string {
  const service = options.named === false ? null : serviceNameOf(event.input);
  const throttled = event.methods[0] === 'throttling';
  const verb = throttled ? 'throttled' : 'blocked';
  const measured = Math.max(new Set(event.networksMeasured).size, new Set(event.networks.map((n) => n.asn)).size);
  const methods = throttled ? '' : methodList(event.methods);
  const networks = (n: number) => `${n} of ${measured} network${measured === 1 ? '' : 's'}${methods}`;
  if (event.status === 'open') {
    const blocked = new Set(event.networks.filter((n) => n.status === 'open').map((n) => n.asn)).size;
    const lead = service ? `${service} ${verb}` : capitalize(verb);
    return `${lead} in ${event.cc} since ${describeBracket(event.onset)} on ${networks(blocked)}`;
  }
  const affected = new Set(event.networks.map((n) => n.asn)).size;
  const until = event.end ? ` until ${describeBracket(event.end)}` : '';
  const lead = service ? `${service} was ${verb}` : `Was ${verb}`;
  return `${lead} in ${event.cc} from ${describeBracket(event.onset)}${until} on ${networks(affected)}`;
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
