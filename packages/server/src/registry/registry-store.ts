/**
 * Official registries in the store (table `registry_entries`, migration 102). An import replaces the named list of
 * a country as a whole, so entries taken off the official list disappear with the next import.
 */
import { InvalidArgumentError } from 'blockwatch/errors.ts';
import { listEvents } from '../events/event-store.ts';
import type { Store } from '../store/store.ts';
import { compareRegistry, type ObservedTarget, type RegistryComparison } from './compare.ts';
import type { RegistryEntry } from './parse.ts';

export function checkCountry(cc: string | undefined): string {
  if (!cc || !/^[A-Z]{2}$/.test(cc))
    throw new InvalidArgumentError(`a country code of two capital letters is needed (e.g. RU), got '${cc ?? ''}'`);
  return cc;
}

export function checkListName(name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
    throw new InvalidArgumentError(`list name must be lower-case letters, digits, '-' or '_', got '${name}'`);
  }
  return name;
}

export async function importRegistry(
  store: Store,
  cc: string,
  listName: string,
  entries: readonly RegistryEntry[],
): Promise<{ imported: number }> {
  checkCountry(cc);
  checkListName(listName);
  const on = store.cluster ? ` ON CLUSTER ${store.cluster}` : '';
  const local = store.cluster ? '_local' : '';
  await store.command(
    `DELETE FROM registry_entries${local}${on} WHERE probe_cc = {cc:String} AND list_name = {list:String}`,
    { cc, list: listName },
  );
  const now = Date.now();
  const rows = entries.map((e) => ({
    probe_cc: cc,
    list_name: listName,
    kind: e.kind,
    target: e.target,
    domain: e.domain,
    listed_date: e.date,
    authority: e.authority,
    legal_basis: e.legal_basis,
    decision: e.decision,
    imported_ms: now,
  }));
  for (let i = 0; i < rows.length; i += 50_000) await store.insertRows('registry_entries', rows.slice(i, i + 50_000));
  return { imported: rows.length };
}

export async function loadRegistry(store: Store, cc: string): Promise<RegistryEntry[]> {
  const rows = await store.query<{
    kind: RegistryEntry['kind'];
    target: string;
    domain: string;
    listed_date: string;
    authority: string;
    legal_basis: string;
    decision: string;
  }>(
    `SELECT kind, target, any(domain) AS domain, min(listed_date) AS listed_date, any(authority) AS authority,
            any(legal_basis) AS legal_basis, any(decision) AS decision
     FROM registry_entries FINAL WHERE probe_cc = {cc:String} GROUP BY kind, target ORDER BY kind, target`,
    { cc: checkCountry(cc) },
    { timeoutS: 120 },
  );
  return rows.map((r) => ({
    kind: r.kind,
    target: r.target,
    domain: r.domain,
    date: r.listed_date,
    authority: r.authority,
    legal_basis: r.legal_basis,
    decision: r.decision,
  }));
}

/** Registry versus what the country's networks showed in the last `windowDays` days. */
export async function compareWithObservations(
  store: Store,
  cc: string,
  windowDays = 30,
): Promise<RegistryComparison & { windowDays: number }> {
  checkCountry(cc);
  const entries = await loadRegistry(store, cc);
  const observed = await store.query<ObservedTarget>(
    `SELECT input, domain, probe_asn AS asn, countIf(outcome = 'accessible') AS accessible, countIf(outcome = 'blocked') AS blocked
     FROM measurements
     WHERE probe_cc = {cc:String} AND test_name = 'web_connectivity'
       AND measurement_start_time >= (SELECT max(measurement_start_time) FROM measurements WHERE probe_cc = {cc:String} AND test_name = 'web_connectivity') - INTERVAL {days:UInt32} DAY
     GROUP BY input, domain, probe_asn`,
    { cc, days: windowDays },
    { timeoutS: 120 },
  );
  const open: Awaited<ReturnType<typeof listEvents>>['events'] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await listEvents(store, { probe_cc: cc, status: 'open' }, { limit: 1000, offset });
    open.push(...page.events);
    if (page.events.length < 1000) break;
  }
  const normalized = observed.map((o) => ({
    ...o,
    asn: Number(o.asn),
    accessible: Number(o.accessible),
    blocked: Number(o.blocked),
  }));
  return { ...compareRegistry(cc, entries, normalized, open), windowDays };
}
