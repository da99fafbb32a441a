/**
 * The verdict engine as the probe uses it: `analyzeMeasurement` from verdict/, given the offline ASN lookup.
 * Returns undefined while the engine is not available, and the probe then leaves the classic keys null.
 */
import type { AsnLookup } from '../geo/index.ts';
import type { Verdict, WebConnectivityMeasurement } from '../model/index.ts';

export type Analyzer = (m: WebConnectivityMeasurement) => Verdict;

export async function loadAnalyzer(_options: { asnOf: AsnLookup }): Promise<Analyzer | undefined> {
  return undefined;
}
