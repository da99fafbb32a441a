/**
 * The system resolver: getaddrinfo through `dns.lookup({ all: true, verbatim: true })`, which is what browsers
 * and most apps see. It gives no rcode, TTL or CNAME chain, and SERVFAIL/REFUSED/timeouts all read as EAI_AGAIN
 * (`dns_temporary_failure`). The lookup cannot be cancelled (it occupies a libuv threadpool slot until libc gives
 * up), so our deadline only stops waiting for it, and at most half the threadpool runs lookups at once.
 */
import { promises as dns } from 'node:dns';
import { InvalidArgumentError } from '../errors.ts';
import type { Trace } from '../measure/trace.ts';
import { type DnsAnswer, type DnsQuery, OPERATIONS } from '../model/index.ts';
import { classifyError } from './classify.ts';
import { createDeadline, raceSignal } from './deadline.ts';
import { createLimiter } from './limiter.ts';
import { checkTimeoutMs } from './validate.ts';

export const DEFAULT_DNS_TIMEOUT_MS = 4_000;

// Half the libuv threadpool (default 4 threads), so fs, zlib and crypto keep running behind a hanging resolver.
const threadpoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const getaddrinfoSlots = createLimiter(Math.max(1, Math.floor(threadpoolSize / 2)));

export interface LookupSystemOptions {
  trace: Trace;
  /** default 4 000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function lookupSystem(hostname: string, opts: LookupSystemOptions): Promise<DnsQuery> {
  if (typeof hostname !== 'string' || hostname.length === 0 || hostname.length > 253) {
    throw new InvalidArgumentError(
      `hostname must be a non-empty name of at most 253 characters, got ${JSON.stringify(hostname)}`,
    );
  }
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_DNS_TIMEOUT_MS);
  const { trace } = opts;
  const record: DnsQuery = {
    hostname,
    query_type: 'ANY', // getaddrinfo asks for A and AAAA at once; OONI writes ANY
    engine: 'getaddrinfo',
    resolver_address: '',
    failure: null,
    answers: null,
    t0: trace.now(),
    t: 0,
    transaction_id: trace.nextId(),
  };
  const deadline = createDeadline(timeoutMs, 'getaddrinfo', opts.signal);
  try {
    // waiting for a slot counts against the deadline; the slot is held until libc answers, not until we stop waiting
    const release = await getaddrinfoSlots.acquire(deadline.signal);
    const lookup = dns.lookup(hostname, { all: true, verbatim: true });
    lookup.then(release, release);
    const addresses = await raceSignal(lookup, deadline.signal);
    record.answers = addresses.map(
      (a): DnsAnswer =>
        a.family === 6
          ? { answer_type: 'AAAA', ipv6: a.address, ttl: null }
          : { answer_type: 'A', ipv4: a.address, ttl: null },
    );
    if (record.answers.length === 0) {
      record.failure = classifyError({ code: 'ENODATA' }, OPERATIONS.resolve);
      record.answers = null;
    }
  } catch (err) {
    record.failure = classifyError(err, OPERATIONS.resolve);
  } finally {
    deadline.dispose();
  }
  record.t = trace.now();
  return record;
}
