/**
 * Remote evidence for an event: measurements made from outside the networks (dns_remote, http_remote;
 * docs/remote.md) of the event's domain in its country while the event was open. Remote records do not feed the
 * detector (`subject.ts` names the tests that do); they corroborate what it found: a network is corroborated when
 * a remote measurement in it saw the domain blocked during the event.
 */

import { sqlTime } from '../store/rows.ts';
import type { Store } from '../store/store.ts';
import type { BlockingEvent } from './types.ts';

/** How many remote measurements an event cites at most (newest kept). */
export const MAX_REMOTE_EVIDENCE = 200;

export interface RemoteEvidenceRow {
  measurement_uid: string;
  test_name: string;
  probe_asn: number;
  input: string;
  outcome: string;
  blocking_type: string;
  measurement_start_time: string;
}

export interface RemoteEvidence {
  rows: RemoteEvidenceRow[];
  /** the event's networks (ASNs) that remote measurements saw blocking the domain */
  corroborated: number[];
}

/** The networks of `event` that some blocked remote row corroborates. Pure. */
export function corroboratedNetworks(event: Pick<BlockingEvent, 'networks'>, rows: RemoteEvidenceRow[]): number[] {
  const blocked = new Set(rows.filter((r) => r.outcome === 'blocked').map((r) => r.probe_asn));
  return event.networks.map((n) => n.asn).filter((asn) => blocked.has(asn));
}

export async function remoteEvidence(store: Store, event: BlockingEvent): Promise<RemoteEvidence> {
  // A service event has no domain (subject.ts): remote records, which measure one domain, cannot speak to it.
  if (!event.domain) return { rows: [], corroborated: [] };
  const from = event.onset.before?.timeMs ?? event.onset.after.timeMs;
  const until = event.end?.after.timeMs;
  // `started`: an alias named like the column would shadow it in WHERE
  const found = await store.query<Omit<RemoteEvidenceRow, 'measurement_start_time'> & { started: string }>(
    `SELECT measurement_uid, test_name, probe_asn, input, outcome, blocking_type,
            toString(measurement_start_time) AS started
       FROM measurements
      WHERE probe_cc = {cc:String} AND domain = {domain:String} AND test_name IN ('dns_remote', 'http_remote')
        AND measurement_start_time >= {from:DateTime}${until === undefined ? '' : ' AND measurement_start_time <= {until:DateTime}'}
      ORDER BY measurement_start_time DESC, measurement_uid
      LIMIT ${MAX_REMOTE_EVIDENCE}`,
    {
      cc: event.cc,
      domain: event.domain,
      from: sqlTime(new Date(from).toISOString()),
      ...(until === undefined ? {} : { until: sqlTime(new Date(until).toISOString()) }),
    },
  );
  const rows = found.map(({ started, ...r }) => ({ ...r, measurement_start_time: started }));
  return { rows, corroborated: corroboratedNetworks(event, rows) };
}
