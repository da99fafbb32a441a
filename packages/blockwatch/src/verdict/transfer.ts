/**
 * Throttling seen in one measurement: the body transfer of the last hop stalled (the response began, then the read
 * ran out of time) while the control read the whole page. The stall point and the rate reached are the evidence.
 * A slow but complete transfer needs a baseline (the same site on other networks): the event detector judges it.
 */
import type { ControlView, HttpView } from './input.ts';

export interface StalledTransfer {
  bytes: number;
  /** kbit/s over the hop, null when the hop's times were not recorded */
  kbps: number | null;
  controlBytes: number;
  evidence: string;
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
  const kbps = final.seconds && final.seconds > 0 ? Math.round((bytes * 8) / 1000 / final.seconds) : null;
  return {
    bytes,
    kbps,
    controlBytes,
    evidence: `the body stalled after ${bytes} of ${controlBytes} bytes${kbps !== null ? ` (${kbps} kbit/s)` : ''} while the control read it all`,
  };
}
