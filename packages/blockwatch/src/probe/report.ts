/**
 * What the operator sees on a terminal: a progress bar while measuring, then one table row per URL with the
 * verdict so far and the failures seen. Pure string functions; the command decides where they go.
 */
import type { Verdict, WebConnectivityMeasurement } from '../model/index.ts';

/** `[#####-----] 12/50 accessible 9 · blocked 2 · example.org/…`: progress, the verdicts so far, the last URL. */
export function progressLine(
  done: number,
  total: number,
  current: string,
  width = 80,
  tally: ReadonlyMap<string, number> = new Map(),
): string {
  const barWidth = 24;
  const filled = total ? Math.round((done / total) * barWidth) : barWidth;
  const counts = [...tally].map(([outcome, n]) => `${outcome} ${n}`).join(' · ');
  const head = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${done}/${total} ${counts ? `${counts} · ` : ''}`;
  const room = Math.max(10, width - head.length - 1);
  const tail = current.length > room ? `${current.slice(0, room - 1)}…` : current;
  return `${head}${tail}`;
}

/** The outcome word of a measurement for the running tally: accessible, blocked, down or unknown. */
export function outcomeOf(m: WebConnectivityMeasurement): string {
  return verdictLabel(m).split(/[: ]/)[0];
}

/** "blocked: dns", "accessible", "down", "unknown", from our verdict or, without it, from OONI's keys. */
export function verdictLabel(m: WebConnectivityMeasurement): string {
  const tk = m.test_keys;
  const v = tk.x_blockwatch_verdict as Verdict | undefined;
  if (v && typeof v === 'object' && 'outcome' in v) {
    const method = v.method ? `: ${v.method}` : '';
    return `${v.outcome}${v.outcome === 'blocked' ? method : ''}${v.confirmed ? ' (confirmed)' : ''}`;
  }
  if (typeof tk.blocking === 'string') return `blocked: ${tk.blocking}`;
  if (tk.accessible === true) return 'accessible';
  if (tk.blocking === false && tk.accessible === false) return 'down';
  return 'unknown';
}

/** The distinct failure strings of the measurement, in step order. */
export function failureSummary(m: WebConnectivityMeasurement): string[] {
  const tk = m.test_keys;
  const out: string[] = [];
  const add = (prefix: string, f: unknown) => {
    if (typeof f === 'string' && f && !out.includes(`${prefix}${f}`)) out.push(`${prefix}${f}`);
  };
  add('dns ', tk.dns_experiment_failure);
  for (const c of tk.tcp_connect ?? []) add('tcp ', c.status.failure);
  for (const h of tk.tls_handshakes ?? []) add('tls ', h.failure);
  add('http ', tk.http_experiment_failure);
  if (m.test_helpers) add('control ', tk.control_failure); // without --helper its absence is no news
  return out;
}

export function renderTable(rows: WebConnectivityMeasurement[], width = 120): string {
  const data = rows.map((m) => [String(m.input ?? ''), verdictLabel(m), failureSummary(m).join(', ') || '-']);
  const headers = ['URL', 'VERDICT', 'FAILURES'];
  const urlWidth = Math.min(60, Math.max(headers[0].length, ...data.map((r) => r[0].length)));
  const verdictWidth = Math.max(headers[1].length, ...data.map((r) => r[1].length));
  const failWidth = Math.max(20, width - urlWidth - verdictWidth - 4);
  const clip = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (r: string[]) =>
    `${clip(r[0], urlWidth)}  ${clip(r[1], verdictWidth)}  ${r[2].length > failWidth ? `${r[2].slice(0, failWidth - 1)}…` : r[2]}`.trimEnd();
  return `${[line(headers), ...data.map(line)].join('\n')}\n`;
}
