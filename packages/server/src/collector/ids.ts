/**
 * The two server-side ids, in OONI's formats (research notes §1.2):
 *   report_id        20240214T090617Z_webconnectivity_IT_30722_n1_<16 chars>
 *   measurement_uid  20221110100919.165568_US_webconnectivity_782abf479bf32868
 * Unlike OONI, the uid's time is the measurement's own start time, not the upload time, and its hash is taken
 * over the canonical (key-sorted, scrubbed) measurement: the same measurement always gets the same uid, so a
 * resubmission, a retry after a crash or a second import is recognised as a duplicate. Pure.
 */
import { createHash, randomBytes } from 'node:crypto';

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  // One string built by appending (no per-level arrays and joins): this runs on every submitted measurement.
  return appendCanonical('', value);
}

function appendCanonical(out: string, value: unknown): string {
  if (value === null || typeof value !== 'object') return out + (JSON.stringify(value) ?? 'null');
  if (Array.isArray(value)) {
    out += '[';
    for (let i = 0; i < value.length; i++) {
      if (i) out += ',';
      out = value[i] === undefined ? `${out}null` : appendCanonical(out, value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  out += '{';
  let first = true;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    out += first ? JSON.stringify(key) : `,${JSON.stringify(key)}`;
    out = appendCanonical(`${out}:`, child);
    first = false;
  }
  return `${out}}`;
}

function compactTestName(testName: unknown): string {
  // Only a test name the door accepts makes the uid; anything else (a record that bypassed it) is "unknown".
  const compact =
    typeof testName === 'string' && /^[a-z0-9_]{1,64}$/.test(testName) ? testName.replaceAll('_', '') : '';
  return compact || 'unknown';
}

/** "2022-11-10 10:09:16[.123]" → "20221110100916.123000" */
function uidTime(startTime: unknown): string {
  const m =
    typeof startTime === 'string'
      ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(startTime)
      : null;
  if (!m) return '19700101000000.000000';
  return `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}.${(m[7] ?? '').slice(0, 6).padEnd(6, '0')}`;
}

export function measurementUid(measurement: Record<string, unknown>): string {
  return measurementIdentity(measurement).uid;
}

/**
 * The uid and the canonical JSON it hashes (the measurement without its `measurement_uid`). That JSON is the
 * measurement's stored form too: the collector writes it to the spool and the raw column instead of
 * serialising the measurement a second time.
 */
export function measurementIdentity(measurement: Record<string, unknown>): { uid: string; canonical: string } {
  // (The copy also turns anything but a plain object into one, as the uid has always been computed.)
  const body =
    'measurement_uid' in measurement || Object.getPrototypeOf(measurement) !== Object.prototype
      ? withoutUid(measurement)
      : measurement;
  const canonical = canonicalJson(body);
  const hash = createHash('sha512').update(canonical).digest('hex').slice(0, 16);
  const cc = typeof body.probe_cc === 'string' && /^[A-Z]{2}$/.test(body.probe_cc) ? body.probe_cc : 'ZZ';
  return { uid: `${uidTime(body.measurement_start_time)}_${cc}_${compactTestName(body.test_name)}_${hash}`, canonical };
}

function withoutUid(measurement: Record<string, unknown>): Record<string, unknown> {
  const { measurement_uid: _ignored, ...body } = measurement;
  return body;
}

/** A uid as OONI or we write it; also OONI's older 40-hex ids and temp ids. */
export const MEASUREMENT_UID = /^(?:\d{14}\.\d{6}_[A-Z]{2}_[a-z0-9]+_[0-9a-f]{16}|[0-9a-f]{40}|temp-id-[0-9a-zA-Z-]+)$/;

export const REPORT_ID = /^[A-Za-z0-9_-]{8,128}$/;

export function newReportId(
  fields: { test_name?: unknown; probe_cc?: unknown; probe_asn?: unknown },
  now = new Date(),
): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const cc = typeof fields.probe_cc === 'string' && /^[A-Z]{2}$/.test(fields.probe_cc) ? fields.probe_cc : 'ZZ';
  const asn = typeof fields.probe_asn === 'string' ? (/^AS(\d+)$/.exec(fields.probe_asn)?.[1] ?? '0') : '0';
  // OONI: base64 of 12 random bytes with "+" and "/" turned into "o".
  const random = randomBytes(12).toString('base64').replace(/[+/]/g, 'o');
  return `${ts}_${compactTestName(fields.test_name)}_${cc}_${asn}_n1_${random}`;
}
