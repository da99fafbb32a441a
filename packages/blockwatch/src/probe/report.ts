/**
 * What the operator sees on a terminal: a progress bar while measuring, then one table row per URL with the
 * verdict so far and the failures seen. Pure string functions; the command decides where they go.
 */
import type { Verdict } from '../model/index.ts';

/** What the report reads of a measurement of any test (OONI's common keys, and web_connectivity's). */
export interface ReportedMeasurement {
  input: string | null;
  test_name?: string;
  test_helpers: Record<string, unknown> | null;
  test_keys: object;
}

type Keys = Record<string, unknown>;
const list = (v: unknown): Keys[] => (Array.isArray(v) ? (v as Keys[]) : []);

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
export function outcomeOf(m: ReportedMeasurement): string {
  return verdictLabel(m).split(/[: ]/)[0];
}

/** "blocked: dns", "accessible", "down", "unknown", from our verdict or, without it, from OONI's keys. */
export function verdictLabel(m: ReportedMeasurement): string {
  const tk = m.test_keys as Keys;
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

/**
 * The distinct failure strings of the measurement, in step order: web_connectivity's summary keys, else (the other
 * tests) every DNS query's and HTTP request's own failure.
 */
export function failureSummary(m: ReportedMeasurement): string[] {
  const tk = m.test_keys as Keys;
  const out: string[] = [];
  const add = (prefix: string, f: unknown) => {
    if (typeof f === 'string' && f && !out.includes(`${prefix}${f}`)) out.push(`${prefix}${f}`);
  };
  if ('dns_experiment_failure' in tk) add('dns ', tk.dns_experiment_failure);
  else for (const q of list(tk.queries)) add('dns ', q.failure);
  for (const c of list(tk.tcp_connect)) add('tcp ', (c.status as Keys | undefined)?.failure);
  for (const h of list(tk.tls_handshakes)) add('tls ', h.failure);
  if ('http_experiment_failure' in tk) add('http ', tk.http_experiment_failure);
  else for (const r of list(tk.requests)) add('http ', r.failure);
  if (m.test_helpers) add('control ', tk.control_failure); // without --helper its absence is no news
  return out;
}

/** One row per measurement; an input-less test (telegram, …) shows its test name in the INPUT column. */
export function renderTable(rows: ReportedMeasurement[], width = 120): string {
  const data = rows.map((m) => [
    m.input === null || m.input === undefined ? `(${m.test_name ?? '?'})` : String(m.input),
    verdictLabel(m),
    failureSummary(m).join(', ') || '-',
  ]);
  const headers = ['INPUT', 'VERDICT', 'FAILURES'];
  const urlWidth = Math.min(60, Math.max(headers[0].length, ...data.map((r) => r[0].length)));
  const verdictWidth = Math.max(headers[1].length, ...data.map((r) => r[1].length));
  const failWidth = Math.max(20, width - urlWidth - verdictWidth - 4);
  const clip = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (r: string[]) =>
    `${clip(r[0], urlWidth)}  ${clip(r[1], verdictWidth)}  ${r[2].length > failWidth ? `${r[2].slice(0, failWidth - 1)}…` : r[2]}`.trimEnd();
  return `${[line(headers), ...data.map(line)].join('\n')}\n`;
}
