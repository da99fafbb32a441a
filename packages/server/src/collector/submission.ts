/**
 * The collector's door: checks one submitted measurement and prepares it for the spool (bounded nesting,
 * UTF-8, the measurement schema, every stored field by its column's rule, the probe's address scrubbed, the
 * uid derived). Pure; returns a precise reason instead of throwing.
 */
import { validateMeasurement } from 'blockwatch/model';
import { fieldProblem, isWellFormed } from '../store/columns.ts';
import { surelyValid } from './fast-check.ts';
import { measurementIdentity } from './ids.ts';

export const MAX_DEPTH = 48;

export type Checked =
  /** `json`: the measurement's canonical JSON (the uid's hash input), its stored form. */
  | { ok: true; uid: string; measurement: Record<string, unknown>; json: string }
  | { ok: false; path: string; message: string };

/** What `structureProblem` finds: a value nested too deep, or a string (or key) that is not valid UTF-8. */
export interface StructureProblem {
  path: string;
  message: string;
}

/**
 * The first value nested deeper than `max`, or string or key with a lone surrogate (the raw column and the UI are
 * UTF-8), as a dotted path. Iterative: hostile input cannot blow the stack. Paths are built only once something
 * is wrong: the common case is one walk without string work.
 */
export function structureProblem(value: unknown, max = MAX_DEPTH): StructureProblem | null {
  const kind = firstProblem(value, max, null);
  if (!kind) return null;
  const paths: string[] = [];
  firstProblem(value, max, paths);
  const path = paths[0] || '(root)';
  return kind === 'depth'
    ? { path, message: `nested deeper than ${max} levels` }
    : { path, message: 'not valid UTF-8 (a lone surrogate)' };
}

/** The path of the first value nested deeper than `max`. */
export function tooDeep(value: unknown, max = MAX_DEPTH): string | null {
  const problem = structureProblem(value, max);
  return problem?.message.startsWith('nested') ? problem.path : null;
}

/** Walks depth-first; with `paths`, records the path of the problem found (slower: only after a hit). */
function firstProblem(value: unknown, max: number, paths: string[] | null): 'depth' | 'charset' | null {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const at: string[] = [''];
  const found = (kind: 'depth' | 'charset', path: string) => {
    paths?.push(path);
    return kind;
  };
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    const path = paths ? at.pop()! : '';
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return found('charset', path);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return found('depth', path);
    const isArray = Array.isArray(v);
    for (const key in v) {
      if (!isArray && !isWellFormed(key)) return found('charset', paths ? join(path, key) : '');
      const child = (v as Record<string, unknown>)[key];
      if (child === null || (typeof child !== 'object' && typeof child !== 'string')) continue;
      values.push(child);
      depths.push(depth + 1);
      if (paths) at.push(join(path, key));
    }
  }
  return null;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Why `m` cannot be stored, as a dotted path and a reason, or null: nesting and charset, the measurement
 * schema, then every field the store writes, by the rules of `store/columns.ts`. The collector and the
 * importer both ask this, so neither lets through what the store would refuse.
 */
export function measurementProblem(m: Record<string, unknown>): StructureProblem | null {
  const structure = structureProblem(m);
  if (structure) return structure;
  // The schema is exact but slow on 15 KB measurements; the hand check vouches for the common case only.
  const result = surelyValid(m) ? null : validateMeasurement(m);
  if (result && !result.ok) return { path: result.path, message: result.message };
  const field = fieldProblem(m);
  return field ? { path: field.field, message: field.problem } : null;
}

export function checkMeasurement(value: unknown, prefix = ''): Checked {
  const at = (path: string) => (prefix ? (path === '(root)' ? prefix : `${prefix}.${path}`) : path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, path: at('(root)'), message: 'a measurement must be a JSON object' };
  }
  const problem = measurementProblem(value as Record<string, unknown>);
  if (problem) return { ok: false, path: at(problem.path), message: problem.message };
  // Privacy: whatever the probe sent, its address is never stored.
  const measurement: Record<string, unknown> = { ...(value as Record<string, unknown>), probe_ip: '127.0.0.1' };
  delete measurement.measurement_uid;
  const { uid, canonical } = measurementIdentity(measurement);
  return { ok: true, uid, measurement, json: canonical };
}
