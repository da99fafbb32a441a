/**
 * The per-experiment observation columns of the measurements table, derived from the registry: each
 * experiment's `columns` become `<test_name>__<name>` (a double underscore cannot occur in a test name's own
 * columns, so two experiments never clash and a column names its experiment). A row fills only its own
 * experiment's columns; the others keep their type's default ('' / 0 / false / NULL / []), which is also what
 * rows written before a column existed read. Pure: `migrate.ts` adds the columns.
 */
import { BlockwatchError } from 'blockwatch/errors.ts';
import type { ObservationColumn, ObservationColumnType } from 'blockwatch/experiments/experiment.ts';
import { EXPERIMENTS, experimentNamed } from 'blockwatch/experiments/registry.ts';
import type { Measurement } from 'blockwatch/model';

export interface StoredObservationColumn {
  /** the column in the measurements table */
  column: string;
  /** the experiment's own name for it (the API's key) */
  name: string;
  type: ObservationColumnType;
  description: string;
}

const NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** What each type holds, and its default: a value an extractor gets wrong is stored as the default. */
const FITS: Record<ObservationColumnType, { fits(v: unknown): boolean; empty: unknown }> = {
  String: { fits: (v) => typeof v === 'string', empty: '' },
  UInt32: { fits: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 4_294_967_295, empty: 0 },
  Bool: { fits: (v) => typeof v === 'boolean', empty: false },
  'Nullable(Float64)': { fits: (v) => v === null || (typeof v === 'number' && Number.isFinite(v)), empty: null },
  'Array(String)': { fits: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), empty: [] },
};

interface Entry {
  stored: StoredObservationColumn;
  extract: ObservationColumn['extract'];
}

/** Experiment name → its columns, checked once: a bad name or type is a programming error, named here. */
function derive(): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  for (const experiment of EXPERIMENTS) {
    const entries: Entry[] = [];
    for (const c of experiment.columns ?? []) {
      const where = `experiment ${experiment.name}, observation column '${c.name}'`;
      if (!NAME.test(c.name)) throw new BlockwatchError('BW_ERR_STORE', `${where}: the name is not snake_case`);
      if (!(c.type in FITS)) throw new BlockwatchError('BW_ERR_STORE', `${where}: type ${c.type} is not allowed`);
      if (entries.some((e) => e.stored.name === c.name)) {
        throw new BlockwatchError('BW_ERR_STORE', `${where}: declared twice`);
      }
      const stored = {
        column: `${experiment.name}__${c.name}`,
        name: c.name,
        type: c.type,
        description: c.description,
      };
      entries.push({ stored, extract: c.extract as ObservationColumn['extract'] });
    }
    if (entries.length) out.set(experiment.name, entries);
  }
  return out;
}

const BY_TEST = derive();

/** Every observation column, all experiments. */
export const OBSERVATION_COLUMNS: readonly StoredObservationColumn[] = [...BY_TEST.values()].flatMap((entries) =>
  entries.map((e) => e.stored),
);

/** The observation columns of one test type (none for an unregistered one). */
export function observationColumnsOf(testName: string): StoredObservationColumn[] {
  return (BY_TEST.get(testName) ?? []).map((e) => e.stored);
}

/**
 * The observation column values of one measurement, keyed by column, or undefined when its experiment has
 * none (web_connectivity: no work at all). `analyzed`: the `analyzeObserved` result's observations, when the
 * analysis made them (undefined there means ingest could not read the test keys); without that entry, the
 * experiment's ingest runs here. Never throws: unreadable test keys or an extractor's bug leave the defaults, the
 * verdict already says what was wrong.
 */
export function observationValues(
  testName: string,
  measurement: Measurement<Record<string, unknown>>,
  analyzed?: { observations?: unknown },
): Record<string, unknown> | undefined {
  const entries = BY_TEST.get(testName);
  if (!entries) return undefined;
  const observations = analyzed ? analyzed.observations : ingestQuietly(testName, measurement);
  const out: Record<string, unknown> = {};
  for (const { stored, extract } of entries) {
    const rule = FITS[stored.type];
    let value: unknown = rule.empty;
    if (observations !== undefined) {
      try {
        const got = extract(observations, measurement);
        if (rule.fits(got)) value = got;
      } catch {
        // an extractor's bug must not cost the measurement its row
      }
    }
    out[stored.column] = value;
  }
  return out;
}

/** The experiment's observations of a measurement, undefined when it cannot read them. */
function ingestQuietly(testName: string, measurement: Measurement<Record<string, unknown>>): unknown {
  try {
    const observations = experimentNamed(testName)?.ingest(measurement);
    return typeof observations === 'string' ? undefined : observations;
  } catch {
    return undefined;
  }
}
