/**
 * One colour per outcome and method, used by every chart and badge so a verdict looks the same everywhere.
 * Colours pass WCAG AA against white as text or large marks; blocked methods are warm, accessible is teal.
 */
import type { BlockingMethod } from 'blockwatch/model/verdict.ts';

export const OUTCOME_COLORS = {
  accessible: '#1b7f72',
  anomaly: '#b35c00',
  confirmed: '#a4161a',
  blocked: '#c0392b',
  down: '#5c677d',
  unknown: '#8a8f98',
  failure: '#9aa0a6',
} as const;

export const METHOD_COLORS: Record<BlockingMethod, string> = {
  dns: '#c0392b',
  tcp_ip: '#8e44ad',
  tls: '#d35400',
  tls_interception: '#6a1b4d',
  http_blockpage: '#a4161a',
  http_failure: '#b8860b',
  throttling: '#2c5aa0',
};

export function methodColor(method: string): string {
  return METHOD_COLORS[method as BlockingMethod] ?? '#7b2d26';
}
