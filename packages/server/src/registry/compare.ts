/**
 * Registry versus observations (pure): which listed targets are blocked, which are reachable (compliance gaps),
 * which blocked URLs no list names (over-blocking or blocking outside the registry), and per network the share of
 * measured listed targets it blocks.
 *
 * A URL is "blocked on a network" when an open event covers that network; "reachable" when the network's recent
 * verdicts include accessible ones and no event is open there. IP entries cannot be matched to URL measurements
 * without the DNS answers and are counted apart.
 */
import { serviceNameOf } from '../events/subject.ts';
import type { BlockingEvent } from '../events/types.ts';
import type { RegistryEntry } from './parse.ts';

/** Recent verdict counts of one URL on one network (from the store). */
export interface ObservedTarget {
  input: string;
  domain: string;
  asn: number;
  accessible: number;
  blocked: number;
}

export interface ListedFinding {
  target: string;
  kind: RegistryEntry['kind'];
  date: string;
  authority: string;
  inputs: string[];
  networksBlocked: number[];
  networksReachable: number[];
}

export interface NetworkCompliance {
  asn: number;
  listedMeasured: number;
  blocked: number;
  reachable: number;
  /** blocked / (blocked + reachable), or null when nothing listed was measured with a clear state. */
  compliance: number | null;
}

export interface RegistryComparison {
  cc: string;
  listed: { total: number; url: number; domain: number; ip: number };
  /** Listed URL/domain entries with at least one measurement. */
  measured: number;
  listedBlocked: ListedFinding[];
  listedReachable: ListedFinding[];
  blockedNotListed: { input: string; domain: string; eventId: string; networks: number[]; sinceMs: number }[];
  networks: NetworkCompliance[];
}

function normalizeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.hostname = url.hostname.toLowerCase();
    url.hash = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return u;
  }
}

/** Whether a registry entry names this measured URL. */
export function entryCovers(entry: RegistryEntry, input: string, domain: string): boolean {
  if (entry.kind === 'ip') return false;
  if (entry.kind === 'domain') {
    if (entry.target.startsWith('*.')) return domain === entry.domain || domain.endsWith(`.${entry.domain}`);
    return domain === entry.domain;
  }
  if (normalizeUrl(entry.target) === normalizeUrl(input)) return true;
  // A URL entry for a site's root lists the whole site.
  try {
    const path = new URL(entry.target).pathname;
    return (path === '/' || path === '') && domain === entry.domain;
  } catch {
    return false;
  }
}

export function compareRegistry(
  cc: string,
  entries: readonly RegistryEntry[],
  observed: readonly ObservedTarget[],
  openEvents: readonly BlockingEvent[],
): RegistryComparison {
  const blockedOn = new Map<string, Set<number>>(); // input → ASNs with an open episode
  for (const e of openEvents) {
    const set = blockedOn.get(e.input) ?? new Set<number>();
    for (const n of e.networks) if (n.status === 'open') set.add(n.asn);
    blockedOn.set(e.input, set);
  }
  const state = (o: ObservedTarget): 'blocked' | 'reachable' | 'unknown' =>
    blockedOn.get(o.input)?.has(o.asn) ? 'blocked' : o.accessible > 0 ? 'reachable' : 'unknown';

  const listedBlocked: ListedFinding[] = [];
  const listedReachable: ListedFinding[] = [];
  const perNetwork = new Map<number, NetworkCompliance>();
  const coveredInputs = new Set<string>();
  let measured = 0;
  for (const entry of entries) {
    if (entry.kind === 'ip') continue;
    const matches = observed.filter((o) => entryCovers(entry, o.input, o.domain));
    if (matches.length === 0) continue;
    measured++;
    const blocked = new Set<number>();
    const reachable = new Set<number>();
    for (const o of matches) {
      coveredInputs.add(o.input);
      const s = state(o);
      if (s === 'blocked') blocked.add(o.asn);
      else if (s === 'reachable') reachable.add(o.asn);
    }
    // A network that blocks one listed URL of the entry and not another is judged reachable for it.
    for (const asn of reachable) blocked.delete(asn);
    const finding: ListedFinding = {
      target: entry.target,
      kind: entry.kind,
      date: entry.date,
      authority: entry.authority,
      inputs: [...new Set(matches.map((o) => o.input))].sort(),
      networksBlocked: [...blocked].sort((a, b) => a - b),
      networksReachable: [...reachable].sort((a, b) => a - b),
    };
    if (reachable.size > 0) listedReachable.push(finding);
    else if (blocked.size > 0) listedBlocked.push(finding);
    for (const asn of new Set(matches.map((o) => o.asn))) {
      const n = perNetwork.get(asn) ?? { asn, listedMeasured: 0, blocked: 0, reachable: 0, compliance: null };
      n.listedMeasured++;
      if (blocked.has(asn)) n.blocked++;
      else if (reachable.has(asn)) n.reachable++;
      perNetwork.set(asn, n);
    }
  }
  for (const n of perNetwork.values()) {
    n.compliance = n.blocked + n.reachable ? Math.round((n.blocked / (n.blocked + n.reachable)) * 1000) / 1000 : null;
  }
  const listedTargets = entries.filter((e) => e.kind !== 'ip');
  // A service event (telegram, …) names no URL or domain a registry entry could cover: it is not "not listed".
  const blockedNotListed = openEvents
    .filter(
      (e) =>
        e.cc === cc &&
        serviceNameOf(e.input) === null &&
        !coveredInputs.has(e.input) &&
        !listedTargets.some((x) => entryCovers(x, e.input, e.domain)),
    )
    .map((e) => ({
      input: e.input,
      domain: e.domain,
      eventId: e.id,
      networks: [...new Set(e.networks.filter((n) => n.status === 'open').map((n) => n.asn))].sort((a, b) => a - b),
      sinceMs: e.onset.after.timeMs,
    }));
  return {
    cc,
    listed: {
      total: entries.length,
      url: entries.filter((e) => e.kind === 'url').length,
      domain: entries.filter((e) => e.kind === 'domain').length,
      ip: entries.filter((e) => e.kind === 'ip').length,
    },
    measured,
    listedBlocked,
    listedReachable,
    blockedNotListed,
    networks: [...perNetwork.values()].sort((a, b) => a.asn - b.asn),
  };
}
