/**
 * The project's one RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes), for the fingerprint
 * CSVs, Citizen Lab test lists and official registries. Each record carries the 1-based line where it starts, so
 * errors can name it; a record that is one empty field (a blank line) is skipped. Pure.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** An unterminated quoted field; `line` is where the quote opened. */
export class CsvSyntaxError extends SyntaxError {
  constructor(readonly line: number) {
    super(`line ${line}: unterminated quoted field`);
    this.name = 'CsvSyntaxError';
  }
}

export function parseCsv(text: string, separator = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    fields.push(field);
    field = '';
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === separator) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += c;
  }
  if (quoted) throw new CsvSyntaxError(quoteLine);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
