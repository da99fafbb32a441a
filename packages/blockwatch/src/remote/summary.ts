/**
 * Per-network summary of remote records: for each test, measured network and target, how many vantage points saw
 * what, and the network's outcome. A network is `blocked` for a target when any vantage point that passed its
 * controls saw interference (Censored Planet reports per vantage point; a person reads per network), `accessible`
 * when one saw the target genuinely, `down` or `unknown` otherwise. Pure.
 */
import type { BlockingMethod, Outcome } from '../model/verdict.ts';

export interface RemoteRow {
  test_name: string;
  /** "AS9198" */
  network: string;
  cc: string;
  /** the domain (dns_remote) or URL (http_remote) */
  target: string;
  outcome: Outcome;
  method: BlockingMethod | null;
  /** vantage points (resolvers or servers) by outcome */
  counts: Record<Outcome, number>;
}

interface RecordLike {
  test_name?: unknown;
  probe_asn?: unknown;
  probe_cc?: unknown;
  input?: unknown;
  test_keys?: unknown;
}

const RANK: Outcome[] = ['blocked', 'accessible', 'down', 'unknown'];

export function summarizeRemote(records: RecordLike[]): RemoteRow[] {
  const rows = new Map<string, RemoteRow & { methods: Map<BlockingMethod, number> }>();
  for (const r of records) {
    const verdict = (r.test_keys as { x_blockwatch_verdict?: { outcome?: Outcome; method?: BlockingMethod | null } })
      ?.x_blockwatch_verdict;
    if (!verdict?.outcome) continue;
    const key = `${r.test_name}\0${r.probe_asn}\0${r.input}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        test_name: String(r.test_name),
        network: String(r.probe_asn),
        cc: String(r.probe_cc),
        target: String(r.input),
        outcome: 'unknown',
        method: null,
        counts: { blocked: 0, accessible: 0, down: 0, unknown: 0 },
        methods: new Map(),
      };
      rows.set(key, row);
    }
    row.counts[verdict.outcome]++;
    if (verdict.outcome === 'blocked' && verdict.method)
      row.methods.set(verdict.method, (row.methods.get(verdict.method) ?? 0) + 1);
  }
  return [...rows.values()]
    .map(({ methods, ...row }) => {
      const outcome = RANK.find((o) => row.counts[o] > 0) ?? 'unknown';
      const method = [...methods].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
      return { ...row, outcome, method };
    })
    .sort(
      (a, b) =>
        a.test_name.localeCompare(b.test_name) ||
        a.network.localeCompare(b.network) ||
        a.target.localeCompare(b.target),
    );
}

/** The summary as a terminal table. */
export function renderRemoteTable(rows: RemoteRow[]): string {
  const head = ['test', 'network', 'cc', 'target', 'outcome', 'method', 'vantage points (blocked/ok/down/unknown)'];
  const body = rows.map((r) => [
    r.test_name,
    r.network,
    r.cc,
    r.target,
    r.outcome,
    r.method ?? '-',
    `${r.counts.blocked}/${r.counts.accessible}/${r.counts.down}/${r.counts.unknown}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...body.map(line)].join('\n')}\n`;
}
