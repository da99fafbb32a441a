/**
 * Checks one submitted measurement and prepares it for the spool: bounded nesting, the measurement schema,
 * the probe's address scrubbed, the uid derived. Pure; returns a precise reason instead of throwing.
 */
import { validateMeasurement } from 'blockwatch/model';
import { surelyValid } from './fast-check.ts';
import { measurementUid } from './ids.ts';

export const MAX_DEPTH = 48;

export type Checked =
  | { ok: true; uid: string; measurement: Record<string, unknown> }
  | { ok: false; path: string; message: string };

/** The path of the first value nested deeper than `max` (iterative: hostile input cannot blow the stack). */
export function tooDeep(value: unknown, max = MAX_DEPTH): string | null {
  // Paths are built only once something is too deep: the common case is a walk without string work.
  return depthExceeds(value, max) ? deepPath(value, max) : null;
}

function depthExceeds(value: unknown, max: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    if (Array.isArray(v)) {
      for (const child of v) {
        if (child === null || typeof child !== 'object') continue;
        values.push(child);
        depths.push(depth + 1);
      }
    } else {
      for (const key in v) {
        const child = (v as Record<string, unknown>)[key];
        if (child === null || typeof child !== 'object') continue;
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function deepPath(value: unknown, max: number): string | null {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return path || '(root)';
    for (const [k, child] of Object.entries(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, path ? `${path}.${k}` : k]);
    }
  }
  return null;
}

/** The schema checks the shape of measurement_start_time; this checks it is a real time ClickHouse can store. */
export function startTimeProblem(measurement: Record<string, unknown>): string | null {
  const t = measurement.measurement_start_time;
  const ms = typeof t === 'string' ? Date.parse(`${t.slice(0, 19).replace(' ', 'T')}Z`) : Number.NaN;
  if (Number.isNaN(ms)) return 'not a valid date and time';
  if (ms < Date.UTC(1970, 0, 2) || ms > Date.now() + 7 * 86_400_000) return 'outside 1970 … a week from now';
  return null;
}

export function checkMeasurement(value: unknown, prefix = ''): Checked {
  const at = (path: string) => (prefix ? (path === '(root)' ? prefix : `${prefix}.${path}`) : path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, path: at('(root)'), message: 'a measurement must be a JSON object' };
  }
  const deep = tooDeep(value);
  if (deep) return { ok: false, path: at(deep), message: `nested deeper than ${MAX_DEPTH} levels` };
  // The schema is exact but slow on 15 KB measurements; the hand check vouches for the common case only.
  const result = surelyValid(value as Record<string, unknown>) ? { ok: true as const } : validateMeasurement(value);
  if (!result.ok) return { ok: false, path: at(result.path), message: result.message };
  const badTime = startTimeProblem(value as Record<string, unknown>);
  if (badTime) return { ok: false, path: at('measurement_start_time'), message: badTime };
  // Privacy: whatever the probe sent, its address is never stored.
  const measurement: Record<string, unknown> = { ...(value as Record<string, unknown>), probe_ip: '127.0.0.1' };
  delete measurement.measurement_uid;
  return { ok: true, uid: measurementUid(measurement), measurement };
}
