/**
 * The helper speaks OONI's legacy test-helper vocabulary (`TH_FAILURES`, web-connectivity.md §3 and §7), which is
 * coarser than ours: probes compare these strings verbatim, so every failure our primitives classify is folded
 * into it here, and nowhere else. TLS failures are the exception: OONI's helper reports them unchanged.
 */
import type { ThFailure } from '../model/index.ts';

/** Failures our primitives report when the helper's own deadline cut an operation short. */
const TIMEOUTS = new Set(['generic_timeout_error', 'interrupted']);

/** DNS lookups. `dns_no_answer` is not a failure in the legacy protocol: it is `addrs: []`. */
export function legacyDnsFailure(failure: string | null): ThFailure | null {
  if (failure === null || failure === 'dns_no_answer') return null;
  switch (failure) {
    case 'dns_nxdomain_error':
      return 'dns_name_error';
    case 'dns_refused_error':
    case 'dns_non_recoverable_failure':
    case 'dns_server_misbehaving':
    case 'dns_temporary_failure':
      return 'dns_server_failure';
    default:
      // QUIRK: OONI's helper reports SERVFAIL and timeouts as unknown_error, and probes expect that.
      return 'unknown_error';
  }
}

/** TCP connects. */
export function legacyTcpFailure(failure: string | null): ThFailure | null {
  if (failure === null) return null;
  if (TIMEOUTS.has(failure)) return 'generic_timeout_error';
  if (failure === 'connection_refused') return 'connection_refused_error';
  return 'connect_error';
}

/** TLS handshakes: reported as classified, except that our deadline reads as a timeout. */
export function legacyTlsFailure(failure: string | null): string | null {
  if (failure === 'interrupted') return 'generic_timeout_error';
  return failure;
}

/** The page fetch: any resolution problem is `dns_lookup_error`, whatever the resolver said. */
export function legacyHttpFailure(failure: string | null): ThFailure | null {
  if (failure === null) return null;
  if (failure.startsWith('dns_') || failure === 'android_dns_cache_no_data') return 'dns_lookup_error';
  if (TIMEOUTS.has(failure)) return 'generic_timeout_error';
  if (failure === 'connection_refused') return 'connection_refused_error';
  return 'unknown_error';
}
