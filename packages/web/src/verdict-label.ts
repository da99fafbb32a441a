/**
 * One verdict label for a measurement, used by every list, badge and chart (OONI Explorer's lists and pages
 * disagreed because each computed its own). Order matters: a failed measurement says nothing either way,
 * a fingerprint-confirmed block outranks the engine's outcome, which outranks the OONI-style anomaly flag.
 */
// The model's index would bundle its zod schemas, whose compiler needs eval: the CSP refuses it.
import { BLOCKING_METHODS } from 'blockwatch/model/verdict.ts';
import type { MeasurementSummaryJson } from './api/types.ts';
import { OUTCOME_COLORS } from './charts/palette.ts';
import type { MessageKey } from './i18n/index.ts';

export type VerdictLabel = 'failure' | 'confirmed' | 'blocked' | 'anomaly' | 'down' | 'accessible' | 'unknown';

export function verdictLabel(
  row: Pick<MeasurementSummaryJson, 'failure' | 'confirmed' | 'anomaly' | 'outcome'>,
): VerdictLabel {
  if (row.failure) return 'failure';
  if (row.confirmed) return 'confirmed';
  if (row.outcome === 'blocked') return 'blocked';
  if (row.outcome === 'down') return 'down';
  if (row.anomaly) return 'anomaly';
  if (row.outcome === 'unknown') return 'unknown';
  return 'accessible';
}

export const VERDICT_MESSAGE: Record<VerdictLabel, MessageKey> = {
  failure: 'outcome.failure',
  confirmed: 'outcome.confirmed',
  blocked: 'outcome.blocked',
  anomaly: 'outcome.anomaly',
  down: 'outcome.down',
  accessible: 'outcome.accessible',
  unknown: 'outcome.unknown',
};

export const VERDICT_COLOR: Record<VerdictLabel, string> = OUTCOME_COLORS;

/**
 * The message key of one of our blocking methods (`BLOCKING_METHODS`), or null for any other text (shown raw).
 * OONI's classic `blocking` values (`http-failure`, `http-diff`) are not methods: they are shown as OONI wrote them.
 */
export function methodMessage(method: string): MessageKey | null {
  return (BLOCKING_METHODS as readonly string[]).includes(method) ? (`method.${method}` as MessageKey) : null;
}
