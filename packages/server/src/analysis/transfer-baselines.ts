/**
 * The same site's body transfer rate on other networks of a country: the baseline the verdict engine's throttling
 * check compares one measurement with (`AnalyzeOptions.transferBaseline`). The analysis is pure and sees one
 * measurement; this module is where the comparison comes from.
 *
 * One query over the store (`windowDays` of accessible web_connectivity measurements whose final response carried
 * at least 64 KiB) gives the median rate per (country, domain, network); lookups are then in memory and
 * synchronous, so analysis on the ingest, import and rebuild paths never waits on the store. The caller refreshes
 * it (`blockwatch serve`: at start and every 15 minutes).
 *
 * The window ends at the newest stored measurement, or now if that is later: a store of replayed or imported
 * history (the lab's 2014, an OONI archive) gets the rates of its own last week, not of the wall clock's. A lookup
 * for a measurement more than `windowDays` away from the window gets nothing: peers' rates from another period
 * (another year's networks) are not "the same site elsewhere". The rate per stored measurement is the one the event
 * detector uses (`TIMINGS_SQL`: body bytes over the hop's duration), which counts the connect and the wait for the
 * head too, so the peers' rate errs low and the check errs towards "accessible".
 */
import type { TransferBaseline } from 'blockwatch/verdict';
import { TIMINGS_SQL, timeMsOf } from '../events/observation.ts';
import type { Store } from '../store/store.ts';

export interface TransferBaselines {
  /**
   * The median of the other networks' medians for this site, or undefined with fewer than `minNetworks`, or when
   * `timeMs` (the measurement's start) is more than the window's length away from the window.
   */
  lookup(cc: string, domain: string, asn: number, timeMs?: number): TransferBaseline | undefined;
  /** Re-reads the medians from the store; keeps the old ones if the query fails (and rethrows). */
  refresh(): Promise<void>;
  /** (country, domain) pairs known. */
  readonly size: number;
}

export interface TransferBaselineOptions {
  windowDays?: number;
  /** other networks needed for a baseline (one network's odd day is not "the same site elsewhere") */
  minNetworks?: number;
  /** the clock (tests) */
  nowMs?: () => number;
}

/** Median of the other networks' rates; pure. */
export function baselineFrom(
  perNetwork: ReadonlyMap<number, number>,
  asn: number,
  minNetworks: number,
): TransferBaseline | undefined {
  const rates = [...perNetwork].filter(([a, r]) => a !== asn && r > 0).map(([, r]) => r);
  if (rates.length < minNetworks) return undefined;
  rates.sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const peerKbps = rates.length % 2 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return { peerKbps, networks: rates.length };
}

export function createTransferBaselines(store: Store, options: TransferBaselineOptions = {}): TransferBaselines {
  const windowDays = options.windowDays ?? 7;
  const minNetworks = options.minNetworks ?? 2;
  const nowMs = options.nowMs ?? Date.now;
  const windowMs = windowDays * 86_400_000;
  let medians = new Map<string, Map<number, number>>();
  let window = { fromMs: 0, toMs: 0 };
  const key = (cc: string, domain: string) => `${cc}|${domain}`;
  const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  return {
    lookup: (cc, domain, asn, timeMs) => {
      if (timeMs !== undefined && (timeMs < window.fromMs - windowMs || timeMs > window.toMs + windowMs))
        return undefined;
      const perNetwork = medians.get(key(cc, domain));
      return perNetwork ? baselineFrom(perNetwork, asn, minNetworks) : undefined;
    },
    async refresh() {
      const [newest] = await store.query<{ at: string; n: number | string }>(
        `SELECT toString(max(measurement_start_time)) AS at, count() AS n FROM measurements
         WHERE test_name = 'web_connectivity'`,
      );
      const newestMs = newest && Number(newest.n) > 0 ? timeMsOf(newest.at) : Number.NaN;
      const toMs = Number.isFinite(newestMs) ? Math.min(nowMs(), newestMs) : nowMs();
      const since = sqlTime(toMs - windowMs);
      const rows = await store.query<{ cc: string; domain: string; asn: number | string; kbps: number }>(
        `SELECT m.probe_cc AS cc, m.domain AS domain, m.probe_asn AS asn, median(t.throughput_kbps) AS kbps
         FROM (SELECT measurement_uid, probe_cc, domain, probe_asn FROM measurements FINAL
               WHERE measurement_start_time BETWEEN {since:DateTime} AND {until:DateTime} AND test_name = 'web_connectivity'
                 AND outcome = 'accessible') AS m
         INNER JOIN (SELECT measurement_uid, ${TIMINGS_SQL} FROM measurement_raw AS r
                     WHERE measurement_start_time BETWEEN {since:DateTime} AND {until:DateTime}) AS t USING measurement_uid
         WHERE t.throughput_kbps IS NOT NULL
         GROUP BY cc, domain, asn`,
        { since, until: sqlTime(toMs) },
      );
      const next = new Map<string, Map<number, number>>();
      for (const r of rows) {
        const k = key(r.cc, r.domain);
        const perNetwork = next.get(k) ?? new Map<number, number>();
        next.set(k, perNetwork);
        perNetwork.set(Number(r.asn), Number(r.kbps));
      }
      medians = next;
      window = { fromMs: toMs - windowMs, toMs };
    },
    get size() {
      return medians.size;
    },
  };
}

/**
 * Refreshes now and then every `everyMs` in the background (the timer does not keep the process alive); a failed
 * refresh is reported and the previous medians stay. Returns the stop function.
 */
export function keepFresh(baselines: TransferBaselines, everyMs: number, onError: (err: Error) => void): () => void {
  const refresh = () => void baselines.refresh().catch((err: Error) => onError(err));
  refresh();
  const timer = setInterval(refresh, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
