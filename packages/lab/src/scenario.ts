/**
 * Scenario files (`packages/lab/scenarios/*.json`): a policy, the sites it needs, the URLs to probe and what a
 * correct engine must say about each. A new case is a data file, not code. Format: docs/lab.md. Pure (parsing,
 * comparison); the runner does the I/O.
 */
import { EVIDENCE_STRENGTHS, SITE_FAULTS } from 'blockwatch/model/verdict.ts';
import { z } from 'zod';
import { policySchema } from './policy.ts';
import { siteSchema } from './sites.ts';

const layerStatus = z.enum(['ok', 'blocked', 'down', 'unknown']);

/** A subset of the Verdict (model/verdict.ts): only the keys given are compared. */
export const expectedVerdictSchema = z.strictObject({
  blocking: z.union([z.literal(false), z.enum(['dns', 'tcp_ip', 'http-failure', 'http-diff']), z.null()]).optional(),
  accessible: z.union([z.boolean(), z.null()]).optional(),
  outcome: z.enum(['accessible', 'blocked', 'down', 'unknown']).optional(),
  anomaly: z.boolean().optional(),
  confirmed: z.boolean().optional(),
  failure: z.boolean().optional(),
  method: z.union([z.string(), z.null()]).optional(),
  /** how much a blocked verdict's evidence proves (a dropped ClientHello proven by the decoy follow-up: strong) */
  strength: z.enum(EVIDENCE_STRENGTHS).optional(),
  /** methods that must all be present (others may be too) */
  methods: z.array(z.string()).optional(),
  /** the site's own fault behind a `down` outcome (restriction, broken redirect…), or null for none */
  site_fault: z.union([z.enum(SITE_FAULTS), z.null()]).optional(),
  layers: z
    .strictObject({
      dns: layerStatus.optional(),
      tcp: layerStatus.optional(),
      tls: layerStatus.optional(),
      http: layerStatus.optional(),
    })
    .optional(),
});
export type ExpectedVerdict = z.infer<typeof expectedVerdictSchema>;

/** What the lab's own client must see (observe.ts), each a string; compared exactly. */
export const expectedObservationSchema = z.strictObject({
  dns: z.string().optional(),
  tcp: z.string().optional(),
  tls: z.string().optional(),
  issuer: z.string().optional(),
  http: z.string().optional(),
  location: z.string().optional(),
  title: z.string().optional(),
  /** body throughput bounds in kbit/s (throttling) */
  maxKbit: z.number().optional(),
  minKbit: z.number().optional(),
});
export type ExpectedObservation = z.infer<typeof expectedObservationSchema>;

/** What a remote measurement (`blockwatch remote`, from the internet) must conclude about a URL. */
export const expectedRemoteSchema = z.strictObject({
  /** the outcome in the scenario's ISP */
  outcome: z.enum(['accessible', 'blocked', 'down', 'unknown']),
  method: z.union([z.string(), z.null()]).optional(),
  /** exactly the networks ("AS9198") whose vantage points found the URL blocked */
  blockedIn: z.array(z.string().regex(/^AS\d+$/, 'expected AS followed by digits')).optional(),
});
export type ExpectedRemote = z.infer<typeof expectedRemoteSchema>;

/** One measurement of an experiment other than web_connectivity (`test`), and what its verdict must be. */
export const runSchema = z.strictObject({
  /** the experiment's input: a domain (dnscheck); absent for input-less tests (telegram, whatsapp, signal) */
  input: z.string().min(1).optional(),
  expect: expectedVerdictSchema,
  why: z.string().optional(),
  knownIssue: z.string().optional(),
});
export type ScenarioRun = z.infer<typeof runSchema>;

export const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string(),
    /** the censorship technique(s) exercised, for the catalogue table */
    techniques: z.array(z.string()).optional(),
    /** the experiment the probe runs (`blockwatch probe --test`); web_connectivity by default */
    test: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'a snake_case test name')
      .optional(),
    /** the experiment's endpoint overrides (`--targets`): lab hosts standing in for the service's own */
    targets: z.record(z.string(), z.unknown()).optional(),
    /** measurements of `test` and their expectations (instead of `urls`) */
    runs: z.array(runSchema).min(1).optional(),
    /** run on this ISP (isp1…); any free ISP by default */
    isp: z.string().optional(),
    policy: policySchema,
    sites: z.array(siteSchema).optional(),
    /** false: the control helper is unreachable from the ISP (tests "control failure") */
    helperReachable: z.boolean().optional(),
    probe: z
      .strictObject({
        /** give the probe the national root with --ca (it then "trusts" the interception) */
        trustNationalRoot: z.boolean().optional(),
        /** which resolver the probe queries over UDP: the ISP's (default) or the lab's public one */
        resolver: z.enum(['isp', 'public']).optional(),
        /** the expectations rely on blocking fingerprints: without a data directory holding them, verdicts are skipped */
        needsFingerprints: z.boolean().optional(),
        /** extra probe arguments */
        args: z.array(z.string()).optional(),
      })
      .optional(),
    /**
     * Remote measurement from the internet namespace, with nobody inside the ISP: which vantage points to use (the
     * ISP's resolver, its open resolvers, the public resolver as a network that does not censor, the in-ISP hosting
     * server) and the control domain every resolver must resolve.
     */
    remote: z
      .strictObject({
        resolvers: z.array(z.enum(['isp', 'open', 'public'])).optional(),
        servers: z.array(z.enum(['hosting'])).optional(),
        controlDomain: z.string().optional(),
      })
      .optional(),
    urls: z
      .array(
        z.strictObject({
          url: z.string().url(),
          /** remote expectations: `dns` for dns_remote of the URL's host, `http` for http_remote of the URL */
          remote: z
            .strictObject({ dns: expectedRemoteSchema.optional(), http: expectedRemoteSchema.optional() })
            .optional(),
          expect: expectedVerdictSchema.optional(),
          observe: expectedObservationSchema.optional(),
          /** why these expectations are right (kept next to them) */
          why: z.string().optional(),
          /**
           * A known engine or probe bug makes the verdict differ from `expect`: the run reports the difference as
           * "known issue" instead of failing, and says so when it is fixed. Observations are always enforced.
           */
          knownIssue: z.string().optional(),
        }),
      )
      .min(1)
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.urls === !s.runs) {
      ctx.addIssue({ code: 'custom', message: 'give either urls (web_connectivity) or runs (another test)', path: [] });
    }
    if (s.runs && (s.test ?? 'web_connectivity') === 'web_connectivity') {
      ctx.addIssue({ code: 'custom', message: 'runs need a test other than web_connectivity', path: ['test'] });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;

export interface Mismatch {
  key: string;
  expected: unknown;
  actual: unknown;
}

/** Compares an expected verdict subset with a measured Verdict-like object. */
export function compareVerdict(expected: ExpectedVerdict, actual: Record<string, unknown> | null): Mismatch[] {
  if (!actual) return [{ key: 'verdict', expected: 'a verdict', actual: null }];
  const out: Mismatch[] = [];
  for (const [key, want] of Object.entries(expected)) {
    if (key === 'layers') {
      const layers = (actual.layers ?? {}) as Record<string, { status?: string } | undefined>;
      for (const [layer, status] of Object.entries(want as Record<string, string>)) {
        const got = layers[layer]?.status ?? null;
        if (got !== status) out.push({ key: `layers.${layer}`, expected: status, actual: got });
      }
    } else if (key === 'site_fault') {
      const got = (actual.site_fault as { kind?: string } | undefined)?.kind ?? null;
      if (got !== want) out.push({ key, expected: want, actual: got });
    } else if (key === 'methods') {
      const got = (actual.methods ?? []) as string[];
      const missing = (want as string[]).filter((m) => !got.includes(m));
      if (missing.length) out.push({ key, expected: want, actual: got });
    } else if (actual[key] !== want) {
      out.push({ key, expected: want, actual: actual[key] ?? null });
    }
  }
  return out;
}

/**
 * Compares what the lab's client saw. Strings may name the ISP's own hosts as {blockpage} and {resolver}, so one
 * scenario file runs on any ISP.
 */
export function compareObservation(
  expected: ExpectedObservation,
  actual: Record<string, unknown>,
  vars: Record<string, string> = {},
): Mismatch[] {
  const out: Mismatch[] = [];
  const kbit = typeof actual.kbit === 'number' ? actual.kbit : null;
  for (const [key, raw] of Object.entries(expected)) {
    if (key === 'maxKbit' || key === 'minKbit') {
      const ok = kbit !== null && (key === 'maxKbit' ? kbit <= (raw as number) : kbit >= (raw as number));
      if (!ok) out.push({ key: `observe.${key}`, expected: raw, actual: kbit });
      continue;
    }
    const want = String(raw).replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
    if (String(actual[key] ?? '') !== want)
      out.push({ key: `observe.${key}`, expected: want, actual: actual[key] ?? null });
  }
  return out;
}

/** One row of `blockwatch remote`'s per-network summary (blockwatch/remote/summary.ts). */
export interface RemoteRowLike {
  test_name: string;
  network: string;
  target: string;
  outcome: string;
  method: string | null;
}

/** Compares a remote expectation with the summary rows for `target` (`test` = dns_remote | http_remote). */
export function compareRemote(
  expected: ExpectedRemote,
  rows: RemoteRowLike[],
  test: string,
  target: string,
  ispNetwork: string,
): Mismatch[] {
  const mine = rows.filter((r) => r.test_name === test && r.target === target);
  const here = mine.find((r) => r.network === ispNetwork);
  const key = `remote.${test}`;
  if (!here) return [{ key, expected: `a ${test} row for ${target} in ${ispNetwork}`, actual: null }];
  const out: Mismatch[] = [];
  if (here.outcome !== expected.outcome)
    out.push({ key: `${key}.outcome`, expected: expected.outcome, actual: here.outcome });
  if (expected.method !== undefined && here.method !== expected.method)
    out.push({ key: `${key}.method`, expected: expected.method, actual: here.method });
  if (expected.blockedIn) {
    const blocked = mine
      .filter((r) => r.outcome === 'blocked')
      .map((r) => r.network)
      .sort();
    const want = [...expected.blockedIn].sort();
    if (blocked.join() !== want.join()) out.push({ key: `${key}.blockedIn`, expected: want, actual: blocked });
  }
  return out;
}
