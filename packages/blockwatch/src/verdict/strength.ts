/**
 * How much a blocked verdict proves, by the kind of its evidence (see EVIDENCE_STRENGTHS). Event detection weighs
 * verdicts by it: a forged answer or a block page is something an interferer had to produce, a timeout is something
 * any fault produces. Pure; reads the layers the verdict already derived.
 */
import type { BlockingMethod, EvidenceStrength, LayerResult } from '../model/verdict.ts';
import type { FollowupFinding } from './followups.ts';

/** Failures that are an active answer from the path (an injected RST), not the absence of one. */
const INJECTED = new Set(['connection_reset']);

export interface StrengthInputs {
  methods: BlockingMethod[];
  confirmed: boolean;
  layers: { dns?: LayerResult; tcp?: LayerResult; tls?: LayerResult; http?: LayerResult };
  /** decoy follow-ups: a decoy name answered where the real one failed twice is filtering by name */
  followups?: FollowupFinding[];
}

export function strengthOf({ methods, confirmed, layers, followups = [] }: StrengthInputs): EvidenceStrength {
  const nameFiltered = (layer: FollowupFinding['layer']) =>
    followups.some((f) => f.layer === layer && f.kind === 'name_filtered');
  if (confirmed) return 'certain';
  // An answer whose address proves it forged (a known block-page address, a bogon the control did not return):
  // no fault of the site or the network produces that.
  if (methods.includes('dns') && layers.dns?.evidence.some(isProvenForgery)) return 'certain';
  for (const method of methods) {
    switch (method) {
      case 'tls_interception':
      case 'http_blockpage':
        return 'strong';
      case 'dns':
        // An answer the control does not confirm that served another page than the control's.
        if (layers.dns?.evidence.some((e) => e.startsWith('the page served from '))) return 'strong';
        break;
      case 'tls':
        if (INJECTED.has(layers.tls?.failure ?? layers.http?.failure ?? '') || nameFiltered('tls')) return 'strong';
        break;
      case 'http_failure':
        if (INJECTED.has(layers.http?.failure ?? '') || nameFiltered('http')) return 'strong';
        break;
    }
  }
  return 'weak';
}

const isProvenForgery = (e: string) => /^answer \S+ (matches fingerprint |is a bogon$)/.test(e);
