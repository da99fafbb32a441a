/**
 * One sentence per event, and the answer to "since when is this blocked here?". Pure; times in UTC.
 *   "Blocked in KZ since 2014-11-24 between 06:00 and 10:00 UTC on 3 of 3 networks (DNS, HTTP block page, TLS)"
 */
import type { BlockingMethod } from 'blockwatch/model';
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

/** "Blocked in KZ since … on 3 of 3 networks (DNS, TLS)" / "Was blocked in KZ from … until … on 2 of 4 networks". */
export function summarizeEvent(event: BlockingEvent): string {
  const throttled = event.methods[0] === 'throttling';
  const verb = throttled ? 'Throttled' : 'Blocked';
  const measured = Math.max(new Set(event.networksMeasured).size, new Set(event.networks.map((n) => n.asn)).size);
  const methods = throttled ? '' : methodList(event.methods);
  if (event.status === 'open') {
    const blocked = new Set(event.networks.filter((n) => n.status === 'open').map((n) => n.asn)).size;
    return `${verb} in ${event.cc} since ${describeBracket(event.onset)} on ${blocked} of ${measured} network${measured === 1 ? '' : 's'}${methods}`;
  }
  const affected = new Set(event.networks.map((n) => n.asn)).size;
  const until = event.end ? ` until ${describeBracket(event.end)}` : '';
  return `Was ${verb.toLowerCase()} in ${event.cc} from ${describeBracket(event.onset)}${until} on ${affected} of ${measured} network${measured === 1 ? '' : 's'}${methods}`;
}
