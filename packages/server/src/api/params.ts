/**
 * Query parameters shared by the measurement, aggregation and summary endpoints: JSON schemas (validated by
 * fastify, unknown parameters rejected) and their translation into a store filter.
 */
import { BLOCKING_METHODS } from 'blockwatch/model';
import type { MeasurementFilter } from '../store/filters.ts';
import { HttpError } from './http-errors.ts';

const commaList = (item: string) => `^${item}(,${item})*$`;
const TIME = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z?)?$';

export const FILTER_PROPERTIES = {
  probe_cc: { type: 'string', pattern: commaList('[A-Z]{2}'), description: 'country codes, comma-separated (IR,RU)' },
  probe_asn: {
    type: 'string',
    pattern: commaList('(AS)?\\d{1,10}'),
    description: 'networks, comma-separated (AS123 or 123)',
  },
  test_name: { type: 'string', pattern: commaList('[a-z0-9_]{1,64}'), description: 'test names, comma-separated' },
  domain: { type: 'string', pattern: commaList('[A-Za-z0-9.:_-]{1,253}'), description: 'domains, comma-separated' },
  input: { type: 'string', maxLength: 2048, description: 'the exact input (URL)' },
  category_code: { type: 'string', pattern: commaList('[A-Z]{2,8}'), description: 'Citizen Lab category codes' },
  since: { type: 'string', pattern: TIME, description: 'start (inclusive), YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC' },
  until: { type: 'string', pattern: TIME, description: 'end (exclusive), YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC' },
  anomaly: { type: 'boolean', description: 'only anomalous (true) or not (false)' },
  confirmed: { type: 'boolean', description: 'only confirmed blocking (true) or not (false)' },
  failure: { type: 'boolean', description: 'only failed measurements (true) or not (false)' },
  blocking_type: {
    type: 'string',
    pattern: commaList(`(${BLOCKING_METHODS.join('|')})`),
    description: `our blocking method: ${BLOCKING_METHODS.join(', ')}`,
  },
} as const;

export type FilterQuery = Partial<
  Record<Exclude<keyof typeof FILTER_PROPERTIES, 'anomaly' | 'confirmed' | 'failure'>, string>
> & {
  anomaly?: boolean;
  confirmed?: boolean;
  failure?: boolean;
};

/** "2024-01-02" or an ISO/space time → "YYYY-MM-DD HH:MM:SS"; rejects impossible dates. */
export function parseTime(name: string, value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2}))?)?/.exec(value)!;
  const text = `${m[1]} ${m[2] ?? '00:00'}:${m[3] ?? '00'}`;
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19).replace('T', ' ') !== text) {
    throw new HttpError(400, 'FST_ERR_VALIDATION', `query parameter '${name}' is not a valid date: '${value}'`);
  }
  return text;
}

const split = (value: string | undefined) => (value === undefined ? undefined : value.split(','));

export function toFilter(q: FilterQuery): MeasurementFilter {
  const filter: MeasurementFilter = {
    probe_cc: split(q.probe_cc),
    probe_asn: split(q.probe_asn)?.map((a) => Number(a.replace(/^AS/, ''))),
    test_name: split(q.test_name),
    domain: split(q.domain)?.map((d) => d.toLowerCase()),
    input: q.input,
    category_code: split(q.category_code),
    since: q.since === undefined ? undefined : parseTime('since', q.since),
    until: q.until === undefined ? undefined : parseTime('until', q.until),
    anomaly: q.anomaly,
    confirmed: q.confirmed,
    failure: q.failure,
    blocking_type: split(q.blocking_type),
  };
  if (filter.probe_asn?.some((n) => n > 0xffffffff)) {
    throw new HttpError(400, 'FST_ERR_VALIDATION', "query parameter 'probe_asn' is out of range");
  }
  if (filter.since && filter.until && filter.since >= filter.until) {
    throw new HttpError(400, 'FST_ERR_VALIDATION', "query parameter 'since' must be before 'until'");
  }
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as MeasurementFilter;
}

/** "YYYY-MM-DD HH:MM:SS" (ClickHouse, UTC) → ISO 8601 with Z, as OONI's API answers. */
export function isoTime(sqlTime: string): string {
  return `${sqlTime.replace(' ', 'T')}Z`;
}
