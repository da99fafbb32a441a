/**
 * The data of event detection: what goes in (observations), what is remembered (series state) and what comes out
 * (events with onset/end brackets and evidence). Plain JSON-serialisable shapes: the detector state is persisted in
 * the store as JSON and restored on restart.
 */
import type { BlockingMethod, EvidenceStrength, Outcome } from 'blockwatch/model';

/** One verdict-annotated measurement, reduced to what detection needs. */
export interface Observation {
  /** measurement_uid (the evidence id shown to users). */
  id: string;
  /** measurement_start_time, epoch milliseconds (UTC). */
  timeMs: number;
  /** probe_cc, two upper-case letters. */
  cc: string;
  /** probe_asn as a number (AS9198 → 9198). */
  asn: number;
  /** The subject (`subject.ts`): the measured URL, or a messaging service's test name (`telegram`). */
  input: string;
  /** Host name of `input`, lower case; '' for a service. */
  domain: string;
  outcome: Outcome;
  methods: BlockingMethod[];
  /** A block-page fingerprint confirms blocking. */
  confirmed: boolean;
  /** How much a blocked verdict proves (the verdict's `strength`); absent: `certain` when confirmed, else `weak`. */
  strength?: EvidenceStrength;
  /** TLS handshake duration, ms; absent = not measured. */
  tlsHandshakeMs?: number;
  /** Body download throughput, kbit/s; absent = not measured. */
  throughputKbps?: number;
}

/** A reference to one measurement: what brackets cite. */
export interface MeasurementRef {
  id: string;
  timeMs: number;
}

/**
 * When a change happened: between `before` (the last measurement in the old state) and `after` (the first
 * measurement in the new state). `before` is null when the series began in the new state (blocked since at least
 * the first measurement).
 */
export interface Bracket {
  before: MeasurementRef | null;
  after: MeasurementRef;
}

export type EventStatus = 'open' | 'closed';

/** Blocking of one URL on one network, from onset to end. */
export interface NetworkEpisode {
  asn: number;
  status: EventStatus;
  onset: Bracket;
  /** null while open. */
  end: Bracket | null;
  /** Most frequent first. */
  methods: BlockingMethod[];
  methodCounts: Partial<Record<BlockingMethod, number>>;
  /** Blocked measurements counted as evidence (the ids are in the evidence list). */
  blockedCount: number;
  /** Accessible measurements seen while the episode was open (leaks, noise). */
  accessibleCount: number;
  /** Log-likelihood ratio (nats) of "blocked" over "accessible" accumulated by the episode's evidence. */
  evidenceLlr: number;
  /** When the detector declared the episode (the measurement that crossed the threshold). */
  detected: MeasurementRef;
  confirmedByFingerprint: boolean;
}

/** Blocking of one URL (or service) in one country: the union of its network episodes that overlap in time. */
export interface BlockingEvent {
  /** Stable id: the same measurements give the same id after a rebuild. */
  id: string;
  cc: string;
  input: string;
  domain: string;
  status: EventStatus;
  /** Methods seen across networks, most frequent first. */
  methods: BlockingMethod[];
  /** Earliest network onset. */
  onset: Bracket;
  /** When the last network episode ended; null while open. */
  end: Bracket | null;
  networks: NetworkEpisode[];
  /** Networks (ASNs) that measured this URL while the event was open, blocked or not. */
  networksMeasured: number[];
  /** 0..1: how sure the evidence makes us that this is blocking (not noise). */
  confidence: number;
  /** First detection. */
  detectedAtMs: number;
  /** Time of the last measurement that changed the event. */
  updatedAtMs: number;
  /** Number of evidence measurements (all ids are returned by the evidence query). */
  evidenceCount: number;
}

/** Why a measurement is cited by an event. */
export type EvidenceRole = 'onset_before' | 'blocked' | 'end_after';

export interface EvidenceRow {
  eventId: string;
  asn: number;
  measurementId: string;
  timeMs: number;
  role: EvidenceRole;
}

/** What one call to the detector changed: persist these. */
export interface DetectorChanges {
  events: BlockingEvent[];
  evidence: EvidenceRow[];
  series: SeriesState[];
}

/** The steady state of one (cc, asn, URL) series. */
export type SeriesPhase = 'unknown' | 'accessible' | 'blocked';

/** Detector memory for one (cc, asn, URL) series. Kept small: no unbounded lists. */
export interface SeriesState {
  key: string;
  cc: string;
  asn: number;
  input: string;
  domain: string;
  phase: SeriesPhase;
  /** CUSUM statistic (nats) towards "blocked" (used in phases unknown and accessible). */
  upScore: number;
  /** CUSUM statistic (nats) towards "accessible" (used in phases unknown and blocked). */
  downScore: number;
  /** Last measurement that supported the current phase (accessible: last accessible; blocked: last blocked). */
  lastSteady: MeasurementRef | null;
  /** The measurements of the current excursion towards the other phase (bounded). */
  pending: MeasurementRef[];
  pendingMethods: BlockingMethod[];
  pendingMethodCounts: Partial<Record<BlockingMethod, number>>;
  /** Strength of the excursion's first blocked verdict (a censor answers with the same kind of evidence). */
  pendingStrength?: EvidenceStrength | null;
  pendingConfirmed: boolean;
  pendingAccessible: number;
  /** First verdict of the latest uninterrupted run towards the other phase (widens brackets over noise). */
  runStart: MeasurementRef | null;
  /** The open episode while phase is blocked. */
  episode: NetworkEpisode | null;
  /** Event the open episode belongs to. */
  eventId: string | null;
  lastTimeMs: number;
  /** Verdict of the latest measurement (site-down-for-everyone check of the siblings). */
  lastOutcome: Outcome | null;
  measured: number;
}

/** Parameters of the detector; see docs/events.md for how they were chosen. */
export interface DetectorParams {
  /** P(blocked verdict | URL accessible on that network): the verdict engine's one-off false-positive rate. */
  falseBlockedRate: number;
  /** P(blocked verdict | URL blocked on that network): 1 − leak rate. */
  blockedRate: number;
  /** P(blocked + fingerprint-confirmed verdict | accessible). */
  falseConfirmedRate: number;
  /** P(blocked verdict with strong evidence — a forged answer, a block page, an injected reset — | accessible). */
  falseStrongRate: number;
  /** Onset threshold (nats) for one network on its own evidence. */
  onsetThreshold: number;
  /** Onset threshold (nats) when another network of the same URL and country is blocked or suspect. */
  corroboratedOnsetThreshold: number;
  /** A suspect network (not yet opened) corroborates another once its excursion holds this much evidence (nats). */
  suspectSupportLlr: number;
  /** A network that opened in the same round on this much evidence (nats) accepts one blocked verdict elsewhere. */
  openedSupportLlr: number;
  /** Other networks in a blocked excursion needed to accept a single blocked measurement. */
  quorumNetworks: number;
  /** End threshold (nats). */
  endThreshold: number;
  /** Sibling evidence older than this does not corroborate. */
  corroborationWindowMs: number;
  /** Blocked evidence on other networks this close in time makes a quorum (same measurement round). */
  quorumWindowMs: number;
  /** Measurements kept per pending excursion. */
  maxPending: number;
  /** Throttling: robust z-score over the network baseline that flags a slow measurement. */
  throttleZ: number;
  /** Throttling: and at least this ratio to the baseline median. */
  throttleRatio: number;
  /** Throttling: baseline samples from other targets needed. */
  throttleMinSamples: number;
  /** Throttling: baseline window. */
  throttleWindowMs: number;
}
