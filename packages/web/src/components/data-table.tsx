/**
 * A table with exports. Columns say how to render a cell and what value goes into CSV/JSON, so the export is
 * the table's data, not its markup. Wide tables scroll inside their box on a phone.
 */
import type { ReactNode } from 'react';
import type { CsvCell } from '../export/csv.ts';
import { ExportButtons } from './export-buttons.tsx';

export interface Column<T> {
  key: string;
  label: string;
  value: (row: T) => CsvCell;
  render?: (row: T) => ReactNode;
  numeric?: boolean;
  /** In CSV/JSON only (e.g. long ids that would crowd a phone screen). */
  exportOnly?: boolean;
}

export function DataTable<T>({
  name,
  caption,
  columns,
  rows,
  apiHref,
  rowKey,
}: {
  name: string;
  caption?: string;
  columns: Column<T>[];
  rows: T[];
  apiHref?: string;
  rowKey: (row: T, index: number) => string;
}) {
  const shown = columns.filter((c) => !c.exportOnly);
  const records = () => rows.map((row) => Object.fromEntries(columns.map((c) => [c.key, c.value(row)])));
  return (
    <div className="table-block" data-table={name}>
      <div className="table-scroll">
        <table>
          {caption ? <caption>{caption}</caption> : null}
          <thead>
            <tr>
              {shown.map((c) => (
                <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={rowKey(row, i)}>
                {shown.map((c) => (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.render ? c.render(row) : String(c.value(row) ?? '')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ExportButtons name={name} records={records} apiHref={apiHref} />
    </div>
  );
}
