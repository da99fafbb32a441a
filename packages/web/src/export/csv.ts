/**
 * CSV for spreadsheets (RFC 4180: CRLF, quotes doubled). Measured data is hostile: a cell that starts with
 * = + - @ or a control character would run as a formula when opened in a spreadsheet, so it gets a leading
 * apostrophe (OWASP's CSV-injection advice). Numbers stay numbers.
 */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: string[], rows: CsvCell[][]): string {
  return `${[columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Rows of objects → CSV with the union of their keys as columns, in first-seen order. */
export function recordsToCsv(records: Record<string, CsvCell>[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of records)
    for (const key of Object.keys(record))
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
  return toCsv(
    columns,
    records.map((r) => columns.map((c) => r[c])),
  );
}
