/**
 * What a test type is: one folder `experiments/<test_name>/` exporting one `Experiment`, registered in
 * `registry.ts`. The shape of ooni/probe-cli's experiment + minipipeline split:
 *
 *   measure  the steps, over netx and measure → one OONI-format measurement (`test_name`, `test_keys` as OONI
 *            writes them); network failures are data, only bad input throws;
 *   ingest   measurement → flat observations (pure): every step's outcome as one row, whatever wrote it
 *            (our probe or OONI's), so that analysis never reads raw test_keys;
 *   analyze  observations → verdict (pure, never throws, no I/O).
 *
 * `verdict/` keeps what every experiment shares: the outcome vocabulary, bogons, fingerprints, explanations.
 */
import type { AsnLookup } from '../geo/index.ts';
import type { Measurement, Verdict } from '../model/index.ts';
import type { ResolvePins } from '../probe/resolve-pins.ts';
import type { AnalyzeOptions } from '../verdict/index.ts';

/** What an experiment's input is: a URL (web_connectivity), a domain (dnscheck), or nothing (telegram). */
export type ExperimentInputKind = 'url' | 'domain' | 'none';

export interface ProbeIdentity {
  probe_cc: string;
  probe_asn: string;
  probe_network_name: string;
}

export interface ResolverIdentity {
  ip: string;
  asn: string;
  networkName: string;
}

/** What every experiment's `measure` gets from the probe command. Experiment-specific options extend this. */
export interface ExperimentRunOptions {
  probe: ProbeIdentity;
  resolverIdentity: ResolverIdentity;
  reportId: string;
  testStartMs: number;
  /** wall clock in ms for measurement_start_time (the lab replays days on its own clock); default Date.now */
  nowMs?: () => number;
  /** UDP resolver "ip[:port]" (--resolver) */
  resolver?: string;
  /** DoH URL (--doh) */
  doh?: string;
  /** control helper URL (--helper), for experiments that compare with a control (dnscheck) */
  helperUrl?: string;
  /** HOST:PORT → addresses, like curl's --resolve; the lab maps every service's names with it */
  pins?: ResolvePins;
  /** extra trusted roots, PEM (--ca) */
  ca?: string[];
  /** the data directory (`blockwatch update`), for experiments that read downloaded data (signal's root CA) */
  dataDir?: string;
  /** total budget for one measurement */
  timeoutMs?: number;
  /** annotates DNS answers with asn/as_org_name */
  asnOf?: AsnLookup;
  /**
   * Where the experiment's fixed endpoints are (`--targets FILE.json`, read by the experiment's `parseTargets`):
   * the lab and the tests stand in for the real services with it. Absent: the services' real endpoints.
   */
  targets?: unknown;
  /** this host's interface addresses: scrubbed along with the sockets' local addresses */
  ownAddresses?: string[];
  signal?: AbortSignal;
}

/** One flat row per step, as OONI's minipipeline "observations" (only the fields an analysis reads). */
export interface Observation {
  /** dns | tcp | tls | http */
  step: 'dns' | 'tcp' | 'tls' | 'http';
  /** which endpoint group of the experiment this step belongs to, e.g. "dc", "web", "registration" */
  target: string;
  /** hostname (dns, tls SNI, http host) */
  domain?: string;
  /** ip:port for tcp/tls/http, the resolver address for dns */
  address?: string;
  failure: string | null;
  /** dns: the answers; http: the status code */
  answers?: string[];
  status?: number;
  body_length?: number;
  title?: string;
  engine?: string;
  t?: number;
  /** http: the URL and method of the request, the Location of a redirect */
  url?: string;
  method?: string;
  location?: string;
  /** dns: the answers came from a --resolve pin (the operator's choice, never evidence of tampering) */
  pinned?: boolean;
  /** http: which step failed (connect, tls_handshake, http_round_trip, …) when the writer recorded it */
  failed_operation?: string;
}

export interface Experiment<Observations = unknown> {
  /** OONI's test_name */
  readonly name: string;
  /** the test_version our probe writes */
  readonly version: string;
  readonly input: ExperimentInputKind;
  /** one line for `blockwatch probe --help` and docs/cli.md */
  readonly summary: string;
  /**
   * Runs the steps. `input` is null for input-less experiments. Absent for experiments measured by another
   * command (dns_remote and http_remote are measured by `blockwatch remote`): those are registered for analysis.
   */
  measure?(input: string | null, options: ExperimentRunOptions): Promise<Measurement<Record<string, unknown>>>;
  /**
   * Reads `--targets FILE.json` (already parsed) into what `measure` takes as `options.targets`; throws an
   * InvalidArgumentError naming the bad field and `where` (the file name). Absent: the experiment takes none.
   */
  parseTargets?(json: unknown, where: string): unknown;
  /**
   * What the probe says on stderr before the run when the data directory lacks something this experiment needs
   * to be read correctly (one line, e.g. "run 'blockwatch update'"), or undefined. Absent: it needs nothing.
   */
  preflight?(dataDir: string): string | undefined;
  /** measurement → observations; pure. Returns a string naming what is wrong when the test_keys cannot be read. */
  ingest(measurement: Measurement<Record<string, unknown>>): Observations | string;
  /** observations → verdict; pure, never throws. */
  analyze(
    observations: Observations,
    measurement: Measurement<Record<string, unknown>>,
    options: AnalyzeOptions,
  ): Verdict;
  /**
   * OONI's own verdict as the measurement's test_keys state it (pure; undefined when they state none), stored
   * beside ours so that a disagreement is visible. Our `Verdict.blocking`/`accessible` re-derive the same values
   * from the observations.
   */
  ooniVerdict?(measurement: Measurement<Record<string, unknown>>): OoniVerdict | undefined;
  /**
   * A few observation columns the store keeps for this test type (as `<test_name>__<name>` in the measurements
   * table), filled from the observations so that queries and the API read them without re-reading test_keys.
   * Keep them few and cheap: every stored measurement of this test computes them.
   */
  readonly columns?: readonly ObservationColumn<Observations>[];
}

/** The ClickHouse types an observation column may have, and the JS value each holds. */
export interface ObservationColumnTypes {
  String: string;
  UInt32: number;
  Bool: boolean;
  'Nullable(Float64)': number | null;
  'Array(String)': string[];
}
export type ObservationColumnType = keyof ObservationColumnTypes;

/** One typed observation column; `extract` is pure and reads only the observations and the envelope. */
export type ObservationColumn<Observations = unknown> = {
  [T in ObservationColumnType]: {
    /** snake_case, unique within the experiment */
    readonly name: string;
    readonly type: T;
    /** one line, for docs and the UI */
    readonly description: string;
    extract(observations: Observations, measurement: Measurement<Record<string, unknown>>): ObservationColumnTypes[T];
  };
}[ObservationColumnType];

/** OONI's verdict in our vocabulary: `blocking` is the first blocked part's method (e.g. 'tcp_ip') or false. */
export interface OoniVerdict {
  blocking: string | false | null;
  accessible: boolean | null;
  anomaly: boolean;
  failure: boolean;
}
