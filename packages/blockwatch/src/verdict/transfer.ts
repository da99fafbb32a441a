/**
 * Throttling seen in one measurement, from the last hop's body transfer:
 *   - a stall: the response began, then the read ran out of time while the control read the whole page; the stall
 *     point and the rate reached are the evidence;
 *   - a slow but complete transfer: only a baseline can tell slow from normal. The caller (the server) supplies the
 *     same site's median rate on other networks of the country (`TransferBaseline`); a rate far below it, for a page
 *     the control read in full, is throttling.
 * The rate comes from the hop's `network_events` reads when recorded (first to last byte: the transfer itself),
 * else from the hop's duration (which also counts the connect and the wait for the head).
 */
import type { ControlView, HttpView } from './input.ts';

/** The same site's transfer rate elsewhere, for one measurement (see AnalyzeOptions.transferBaseline). */
export interface TransferBaseline {
  /** median body rate (kbit/s) of the same domain on other networks of the probe's country */
  peerKbps: number;
  /** how many networks that median is over */
  networks: number;
}

/** How many times slower than the peers' median a complete transfer must be to count as throttled. */
export const SLOW_TRANSFER_RATIO = 4;
/** A rate is only meaningful for a body big enough to leave TCP slow start. */
export const MIN_RATE_BYTES = 64 * 1024;

export interface StalledTransfer {
  bytes: number;
  /** kbit/s over the hop, null when the hop's times were not recorded */
  kbps: number | null;
  controlBytes: number;
  evidence: string;
}

/** kbit/s of the hop's body: over its reads when `network_events` timed them, else over the hop's duration. */
export function transferKbps(final: HttpView, bytes: number): number | null {
  const reads = final.reads;
  const seconds = reads && reads.last > reads.first ? reads.last - reads.first : final.seconds;
  return seconds && seconds > 0 ? Math.round((bytes * 8) / 1000 / seconds) : null;
}

export function findStalledTransfer(
  final: HttpView | undefined,
  failure: string | null,
  control: ControlView | null,
): StalledTransfer | null {
  if (!final || failure !== 'generic_timeout_error' || !control?.http || control.http.failure !== null) return null;
  // The response had begun: its head arrived (a status), or the probe says the body read is what failed.
  if (final.status <= 0 && final.failedOperation !== 'read') return null;
  const bytes = final.bodyBytesRead ?? final.bodyBytes;
  const controlBytes = control.http.bodyLength;
  if (!(controlBytes > bytes)) return null;
  const kbps = transferKbps(final, bytes);
  const at = final.reads ? `, last byte at ${final.reads.last.toFixed(1)} s` : '';
  return {
    bytes,
    kbps,
    controlBytes,
    evidence: `the body stalled after ${bytes} of ${controlBytes} bytes${kbps !== null ? ` (${kbps} kbit/s${at})` : ''} while the control read it all`,
  };
}

export interface SlowTransfer {
  bytes: number;
  kbps: number;
  peerKbps: number;
  evidence: string;
}

/** A complete transfer far slower than the same site on other networks, of a page the control read in full. */
export function findSlowTransfer(
  final: HttpView | undefined,
  failure: string | null,
  control: ControlView | null,
  baseline: TransferBaseline | undefined,
): SlowTransfer | null {
  if (!final || !baseline || failure !== null || final.status < 200 || final.status >= 300) return null;
  if (!control?.http || control.http.failure !== null) return null;
  const bytes = final.bodyBytesRead ?? final.bodyBytes;
  // The same page as the control's (most of its length), big enough for a rate to mean something.
  if (bytes < MIN_RATE_BYTES || bytes < 0.7 * control.http.bodyLength) return null;
  const kbps = transferKbps(final, bytes);
  if (kbps === null || !(baseline.peerKbps > 0) || kbps * SLOW_TRANSFER_RATIO > baseline.peerKbps) return null;
  const times = Math.round(baseline.peerKbps / Math.max(kbps, 1));
  return {
    bytes,
    kbps,
    peerKbps: baseline.peerKbps,
    evidence: `the body arrived at ${kbps} kbit/s, ${times}× slower than the same site on ${baseline.networks} other network${baseline.networks === 1 ? '' : 's'} (median ${Math.round(baseline.peerKbps)} kbit/s), while the control read all ${control.http.bodyLength} bytes`,
  };
}
