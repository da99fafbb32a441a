/**
 * What the service experiments' loopback tests share: run options for a probe in a lab-like Italy, with pins and
 * targets pointing every service endpoint at loopback servers, and the check that measuring and analysing agree.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Experiment, ExperimentRunOptions, Observation } from '../../src/experiments/experiment.ts';
import type { Measurement, Verdict } from '../../src/model/index.ts';
import { createReportId } from '../../src/probe/envelope.ts';
import { parseResolvePins } from '../../src/probe/resolve-pins.ts';

export function runOptions(extra: Partial<ExperimentRunOptions> & { resolve?: string[] } = {}): ExperimentRunOptions {
  const { resolve, ...rest } = extra;
  return {
    probe: { probe_cc: 'IT', probe_asn: 'AS3269', probe_network_name: 'Telecom Italia S.p.A.' },
    resolverIdentity: { ip: '127.0.0.53', asn: 'AS0', networkName: '' },
    reportId: createReportId({ nowMs: Date.UTC(2026, 0, 2, 3, 4, 5), cc: 'IT', asn: 'AS3269' }),
    testStartMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    timeoutMs: 10_000,
    ...(resolve ? { pins: parseResolvePins(resolve) } : {}),
    ...rest,
  };
}

/** Measures, then analyses what was measured: the keys the probe wrote must be the ones analysis re-derives. */
export async function measureAndAnalyse(
  experiment: Experiment<Observation[]>,
  options: ExperimentRunOptions,
  input: string | null = null,
): Promise<{ m: Measurement<Record<string, unknown>>; v: Verdict; rows: Observation[] }> {
  assert.ok(experiment.measure);
  const m = await experiment.measure(input, options);
  assert.equal(m.test_name, experiment.name);
  const rows = experiment.ingest(m);
  assert.ok(Array.isArray(rows), String(rows));
  const v = experiment.analyze(rows, m, {});
  const ooni = experiment.ooniVerdict?.(m);
  if (ooni) assert.deepEqual([v.blocking, v.accessible], [ooni.blocking, ooni.accessible], 'our reading = OONI keys');
  return { m, v, rows };
}

const MEASUREMENTS = new URL('../../../../../shared/data/ooni/measurements/', import.meta.url);

/** One of OONI's real (or spec example) measurements from the shared reference data. */
export function loadOoniMeasurement(file: string): Measurement<Record<string, unknown>> {
  return JSON.parse(readFileSync(new URL(file, MEASUREMENTS), 'utf8')) as Measurement<Record<string, unknown>>;
}
