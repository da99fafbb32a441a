/**
 * The measurement fields the store writes to columns or shows in the UI, each defined once: which column it
 * fills, that column's ClickHouse type, and the rule a value must meet. The collector's door
 * (`collector/door.ts`) refuses what breaks a rule before acknowledging, the row mapping (`rows.ts`) converts
 * with the same code, and store.test.ts compares the types with the migrated tables, so what the door lets
 * through the store accepts. Verdict columns are not here: they hold our engine's own vocabulary as plain
 * strings, so a value the engine adds flows through without a schema change. Pure.
 */

/** A rule's answer: the value converted for its column, or why it cannot be stored. */
export type Conversion<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface FieldRule<T = unknown> {
  /** The column it fills, or null if it is only kept in the raw JSON (and shown in the UI). */
  column: string | null;
  /** The column's type exactly as the migrated table reports it (system.columns). */
  type: string | null;
  /** Absent or null is refused (else it becomes `empty`). */
  required: boolean;
  empty: T;
  convert(value: unknown): Conversion<T>;
}

export const MAX_UINT32 = 4_294_967_295;
/** The window of a real measurement time: the engine's DateTime starts in 1970; a probe's clock may run ahead. */
export const EARLIEST_TIME_MS = Date.UTC(1970, 0, 2);
export const FUTURE_SLACK_MS = 7 * 86_400_000;
const MAX_RUNTIME_S = 1e9;

const ok = <T>(value: T): Conversion<T> => ({ ok: true, value });
const no = (problem: string): Conversion<never> => ({ ok: false, problem });

/** C0 controls and DEL: never part of a name, version, identifier or URL. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Node 20 has `String.prototype.isWellFormed` (no lone UTF-16 surrogates, i.e. encodable as UTF-8). */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a ${value.length}-character string`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

function textProblem(s: string, maxLength: number): string | null {
  if (s.length > maxLength) return `longer than ${maxLength} characters (${s.length})`;
  if (!isWellFormed(s)) return 'not valid UTF-8 (a lone surrogate)';
  if (CONTROL.test(s)) return 'contains a control character';
  return null;
}

/** Free text (a name or version): a string of printable characters. */
function text(column: string | null, maxLength: number, lowCardinality = true): FieldRule<string> {
  return {
    column,
    type: column ? (lowCardinality ? 'LowCardinality(String)' : 'String') : null,
    required: false,
    empty: '',
    convert(value) {
      if (typeof value !== 'string') return no(`expected a string, got ${describe(value)}`);
      const problem = textProblem(value, maxLength);
      return problem ? no(problem) : ok(value);
    },
  };
}

/** An identifier: a string of the characters `pattern` allows. */
function identifier(
  column: string,
  type: string,
  pattern: RegExp,
  expected: string,
  required: boolean,
): FieldRule<string> {
  return {
    column,
    type,
    required,
    empty: '',
    convert(value) {
      if (typeof value !== 'string') return no(`expected ${expected}, got ${describe(value)}`);
      return pattern.test(value) ? ok(value) : no(`expected ${expected}`);
    },
  };
}

/** "AS1234" (or, for the resolver, a bare integer) → 1234, within UInt32. */
function asn(column: string, required: boolean, allowNumber: boolean): FieldRule<number> {
  const expected = allowNumber ? '"AS" and a number, or an integer, 0…4294967295' : '"AS" and a number 0…4294967295';
  return {
    column,
    type: 'UInt32',
    required,
    empty: 0,
    convert(value) {
      const match = typeof value === 'string' ? /^AS(\d{1,10})$/.exec(value) : null;
      const n = match ? Number(match[1]) : allowNumber && typeof value === 'number' ? value : Number.NaN;
      return Number.isInteger(n) && n >= 0 && n <= MAX_UINT32 ? ok(n) : no(`expected ${expected}`);
    },
  };
}

const TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?Z?$/;

/** "YYYY-MM-DD HH:MM:SS[.fraction][Z]", UTC, a real instant in the window → "YYYY-MM-DD HH:MM:SS". */
export function convertTime(value: unknown, nowMs = Date.now()): Conversion<string> {
  const m = typeof value === 'string' ? TIME.exec(value) : null;
  if (!m) return no('expected "YYYY-MM-DD HH:MM:SS" (UTC)');
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  // Date.parse accepts 2024-02-30 (as March 1st): a real instant prints back as itself.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== `${m[1]}T${m[2]}`) {
    return no('not a valid date and time');
  }
  if (ms < EARLIEST_TIME_MS || ms > nowMs + FUTURE_SLACK_MS) return no('outside 1970 … a week from now');
  return ok(`${m[1]} ${m[2]}`);
}

function instant(column: string, required: boolean): FieldRule<string> {
  return { column, type: "DateTime('UTC')", required, empty: '', convert: (value) => convertTime(value) };
}

const seconds: FieldRule<number> = {
  column: 'test_runtime',
  type: 'Float32',
  required: false,
  empty: 0,
  convert(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return no(`expected seconds, got ${describe(value)}`);
    return value >= 0 && value <= MAX_RUNTIME_S ? ok(value) : no(`expected seconds, 0 … ${MAX_RUNTIME_S}`);
  },
};

/** A URL or host name (or, in legacy data, a list of them), joined into one string. */
const MAX_INPUT = 8192;
const input: FieldRule<string> = {
  column: 'input',
  type: 'String',
  required: false,
  empty: '',
  convert(value) {
    const parts = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      if (typeof part !== 'string') return no(`expected a string or a list of strings, got ${describe(part)}`);
    }
    const joined = (parts as string[]).join(' ');
    const problem = textProblem(joined, MAX_INPUT);
    return problem ? no(problem) : ok(joined);
  },
};

/** The fields, in the order the door checks them (and names the first bad one). */
export const MEASUREMENT_FIELDS = {
  probe_cc: identifier('probe_cc', 'LowCardinality(String)', /^[A-Z]{2}$/, 'a two-letter country code', true),
  probe_asn: asn('probe_asn', true, false),
  test_name: identifier('test_name', 'LowCardinality(String)', /^[a-z0-9_]{1,64}$/, 'a snake_case test name', true),
  report_id: identifier('report_id', 'String', /^[A-Za-z0-9_.-]{0,128}$/, 'up to 128 of A-Z a-z 0-9 _ . -', false),
  measurement_start_time: instant('measurement_start_time', true),
  test_start_time: instant('test_start_time', false),
  test_runtime: seconds,
  input,
  probe_network_name: text('probe_network_name', 512),
  resolver_asn: asn('resolver_asn', false, true),
  test_version: text('test_version', 64),
  software_name: text('software_name', 128),
  software_version: text('software_version', 64),
  resolver_ip: text(null, 64),
  resolver_network_name: text(null, 512),
  data_format_version: text(null, 32),
} satisfies Record<string, FieldRule>;

export type MeasurementField = keyof typeof MEASUREMENT_FIELDS;
type ValueOf<F extends MeasurementField> = (typeof MEASUREMENT_FIELDS)[F]['empty'];

const FIELD_RULES = Object.entries(MEASUREMENT_FIELDS) as [MeasurementField, FieldRule][];

/** The first field of `m` that cannot be stored, or null. */
export function fieldProblem(m: Record<string, unknown>): { field: MeasurementField; problem: string } | null {
  for (const [field, rule] of FIELD_RULES) {
    const value = m[field];
    if (value === undefined || value === null) {
      if (rule.required) return { field, problem: 'required' };
      continue;
    }
    const converted = rule.convert(value);
    if (!converted.ok) return { field, problem: converted.problem };
  }
  return null;
}

/** Thrown by `columnValue` for a value the door would have refused (a record that bypassed it). */
export class UnstorableField extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

/** The column value of field `field` of `m` (its `empty` when absent); throws UnstorableField if it breaks the rule. */
export function columnValue<F extends MeasurementField>(m: Record<string, unknown>, field: F): ValueOf<F> {
  const rule = MEASUREMENT_FIELDS[field] as FieldRule<ValueOf<F>>;
  const value = m[field];
  if (value === undefined || value === null) {
    if (rule.required) throw new UnstorableField(field, 'required');
    return rule.empty;
  }
  const converted = rule.convert(value);
  if (!converted.ok) throw new UnstorableField(field, converted.problem);
  return converted.value;
}
