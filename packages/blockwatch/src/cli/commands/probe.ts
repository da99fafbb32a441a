/**
 * `blockwatch probe`: measurements from this network, in OONI's format, by any registered experiment
 * (`--test NAME`, Web Connectivity by default). A thin shell: it validates every input first (bad input changes
 * nothing and exits 2), asks for consent, then runs the experiment's `measure` over the inputs with a concurrency
 * limit, stores the verdict of the experiment's analysis in each, and writes JSONL and/or a table.
 */

import { getServers } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import { dataDir, hasFingerprints, loadFingerprints } from '../../data/index.ts';
import { BlockwatchError, InvalidArgumentError, UsageError } from '../../errors.ts';
import type { Experiment } from '../../experiments/experiment.ts';
import { experimentNamed, measurableExperiments } from '../../experiments/registry.ts';
import { CONTROL_USER_AGENT } from '../../experiments/web_connectivity/measure.ts';
import {
  createAsnLookup,
  createCountryLookup,
  type GeoRegistry,
  loadGeoRegistry,
  localInterfaceAddresses,
  locateProbe,
  parseAsnOption,
  parseCcOption,
} from '../../geo/index.ts';
import { type Measurement, validateMeasurement } from '../../model/index.ts';
import { createAnalyzer } from '../../probe/analyzer.ts';
import { configDir } from '../../probe/config-dir.ts';
import { ensureConsent } from '../../probe/consent.ts';
import { createControlClient } from '../../probe/control.ts';
import { createReportId } from '../../probe/envelope.ts';
import { probeInputs } from '../../probe/inputs.ts';
import { outcomeOf, progressLine, renderTable } from '../../probe/report.ts';
import { parseResolvePins } from '../../probe/resolve-pins.ts';
import { runPool } from '../../probe/run-pool.ts';
import { createSubmitQueue } from '../../probe/submit-queue.ts';
import { readTestList } from '../../probe/test-list.ts';
import { defineCommand, httpUrlOption, intOption, labTimeOption, secondsOption } from '../command.ts';
import { openOut, readCa } from '../files.ts';

/** Splits "IP", "IP:PORT" or "[IPv6]:PORT" (a bare IPv6 address too); null when it is none of these. */
function splitResolver(value: string): { ip: string; port: number } | null {
  if (isIP(value)) return { ip: value, port: 53 };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : 0;
  return m && isIP(m[1]) && port >= 1 && port <= 65535 ? { ip: m[1], port } : null;
}

function resolverOption(value: string | undefined): string | undefined {
  if (value !== undefined && !splitResolver(value)) {
    throw new UsageError(`--resolver must be IP, IP:PORT or [IPv6]:PORT, got '${value}'`);
  }
  return value;
}

const DEFAULT_TEST = 'web_connectivity';

/** The experiment `--test` names; an unknown or analysis-only name is a usage error listing the runnable ones. */
function experimentOption(name: string): Experiment {
  const experiment = experimentNamed(name);
  if (experiment?.measure) return experiment;
  const runnable = measurableExperiments()
    .map((e) => e.name)
    .join(', ');
  throw new UsageError(
    experiment
      ? `--test ${name} is measured by another command (see 'blockwatch remote'); probe runs: ${runnable}`
      : `--test: unknown test '${name}'; registered: ${runnable}`,
  );
}

/** `--targets FILE.json`, read by the experiment; a file it cannot read is an error naming the file. */
function targetsOption(experiment: Experiment, file: string | undefined, cwd: string): unknown {
  if (file === undefined) return undefined;
  if (!experiment.parseTargets) throw new UsageError(`--targets: ${experiment.name} takes no targets`);
  const path = resolvePath(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BlockwatchError('BW_ERR_NOT_FOUND', `--targets: cannot read ${file} (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--targets: ${file} is not valid JSON (${(err as Error).message})`);
  }
  return experiment.parseTargets(json, file);
}

/** One line per test the probe runs, for --help. */
function testTable(): string {
  return measurableExperiments()
    .map((e) => `  ${e.name.padEnd(18)} ${(e.input === 'none' ? 'no input' : e.input).padEnd(9)} ${e.summary}`)
    .join('\n');
}

export default defineCommand({
  name: 'probe',
  summary: 'measure from this network (Web Connectivity or --test NAME, OONI format)',
  usage: '[URL…|DOMAIN…] [--test NAME] [--list FILE.csv] [options]',
  details: `
Runs one test (--test, default web_connectivity) and writes one OONI-format measurement per input with
blockwatch's verdict. web_connectivity measures each URL step by step (DNS, TCP and TLS to every address,
HTTP) and asks a control helper to measure it from an unfiltered network. Before the first run it shows the
risks of measuring and asks for your consent (see docs/probe.md).

Tests:
${testTable()}

Examples:
  blockwatch probe https://example.org/ --helper https://th.example.net/
  blockwatch probe --list global.csv --concurrency 8 --out run.jsonl
  blockwatch probe https://example.org/ --resolve example.org:443:127.0.0.1 --ca test-ca.pem --json
  blockwatch probe --test telegram
  blockwatch probe --test dnscheck example.org --resolver 192.0.2.53 --doh https://dns.example/dns-query`,
  positionals: true,
  options: {
    test: { type: 'string', arg: 'NAME', description: 'the test to run', default: DEFAULT_TEST },
    targets: {
      type: 'string',
      arg: 'FILE.json',
      description: "where the test's fixed endpoints are instead (tests and the lab)",
    },
    list: { type: 'string', arg: 'FILE.csv', description: 'a Citizen Lab test list (url,category_code,…)' },
    resolver: { type: 'string', arg: 'IP[:PORT]', description: 'also resolve over UDP with this DNS server' },
    doh: { type: 'string', arg: 'URL', description: 'also resolve with this DNS-over-HTTPS server' },
    resolve: {
      type: 'string',
      multiple: true,
      arg: 'HOST:PORT:ADDR',
      description: 'use ADDR for HOST:PORT instead of DNS, like curl',
    },
    helper: { type: 'string', arg: 'URL', description: 'control helper (OONI test-helper protocol)' },
    ca: { type: 'string', arg: 'FILE', description: 'extra trusted root certificates (PEM)' },
    out: { type: 'string', arg: 'FILE.jsonl', description: 'write the measurements to this file (JSONL)' },
    json: { type: 'boolean', description: 'write the measurements to stdout (JSONL) instead of a table' },
    concurrency: { type: 'string', arg: 'N', description: 'URLs measured at the same time', default: '4' },
    timeout: { type: 'string', arg: 'SECONDS', description: 'time budget of one measurement', default: '60' },
    cc: { type: 'string', arg: 'CC', description: "this network's country code (else looked up offline)" },
    asn: { type: 'string', arg: 'ASN', description: "this network's AS number (else looked up offline)" },
    'asn-registry': { type: 'string', arg: 'FILE', description: 'JSON file of address → ASN overrides (lab)' },
    'accept-risks': { type: 'boolean', description: 'consent to the risks for this run (unattended use)' },
    submit: { type: 'string', arg: 'URL', description: 'send the measurements to this collector' },
    'lab-time': {
      type: 'string',
      arg: 'ISO',
      description: 'measurement time taken from a lab clock; for replays in the lab',
    },
  },
  async run({ values, positionals }, ctx) {
    // 1. Validate everything before touching anything.
    const cwd = ctx.cwd;
    const experiment = experimentOption(values.test ?? DEFAULT_TEST);
    const inputs = probeInputs(
      experiment.input,
      experiment.name,
      positionals,
      values.list ? readTestList(resolvePath(cwd, values.list)) : [],
    );
    const targets = targetsOption(experiment, values.targets, cwd);
    const pins = parseResolvePins(values.resolve);
    const resolver = resolverOption(values.resolver);
    const doh = httpUrlOption('doh', values.doh);
    const helperUrl = httpUrlOption('helper', values.helper);
    const submitUrl = httpUrlOption('submit', values.submit);
    const ca = readCa(values.ca, cwd);
    const concurrency = intOption('concurrency', values.concurrency, 4, 1, 256);
    const timeoutMs = secondsOption('timeout', values.timeout, 60) * 1000;
    const cc = values.cc === undefined ? undefined : parseCcOption(values.cc);
    const asn = values.asn === undefined ? undefined : parseAsnOption(values.asn);
    const registry: GeoRegistry | undefined = values['asn-registry']
      ? loadGeoRegistry(resolvePath(cwd, values['asn-registry']))
      : undefined;
    const outPath = values.out ? resolvePath(cwd, values.out) : undefined;
    const labStartMs = labTimeOption(values['lab-time']);

    // 2. Consent.
    const dir = configDir(ctx.env);
    await ensureConsent({
      configDir: dir,
      acceptRisks: !!values['accept-risks'],
      stdin: ctx.stdin,
      stderr: ctx.stderr,
      signal: ctx.signal,
    });

    const out = outPath ? openOut(outPath) : undefined;

    // 3. Who and where we are (offline).
    const asnOf = createAsnLookup({ cacheDir: join(dir, 'geo'), ...(registry ? { registry } : {}) });
    const countryOf = createCountryLookup(registry ? { registry } : {});
    const ownAddresses = localInterfaceAddresses();
    const location = locateProbe({
      asnOf,
      countryOf,
      addresses: ownAddresses,
      ...(cc ? { cc } : {}),
      ...(asn !== undefined ? { asn } : {}),
    });
    // The resolver the probe uses, as configured (OONI asks a whoami service; we never call one).
    const resolverIp = splitResolver(resolver ?? getServers()[0] ?? '')?.ip ?? '';
    const resolverAsn = isIP(resolverIp) ? asnOf(resolverIp) : null;
    // A lab clock stamps the measurements only (start times, report id); timeouts keep the real clock.
    const realStartMs = Date.now();
    const testStartMs = labStartMs ?? realStartMs;
    const nowMs = labStartMs === undefined ? Date.now : () => labStartMs + (Date.now() - realStartMs);
    const reportId = createReportId({
      nowMs: testStartMs,
      cc: location.probe_cc,
      asn: location.probe_asn,
      testName: experiment.name,
    });
    // Block-page fingerprints from the data directory ('blockwatch update'): without them nothing is "confirmed".
    const data = dataDir(ctx.env);
    const fingerprints = hasFingerprints(data) ? loadFingerprints(data) : undefined;
    // What else the experiment needs from the data directory (signal: Signal's root CA), said once, up front.
    const missing = experiment.preflight?.(data);
    if (missing) ctx.stderr.write(`blockwatch: ${missing}\n`);
    const analyze = createAnalyzer({
      asnOf,
      ...(registry ? { registry } : {}),
      ...(fingerprints ? { fingerprints } : {}),
    });

    // 4. Measure.
    const controlClient = helperUrl
      ? createControlClient({
          helperUrl,
          userAgent: CONTROL_USER_AGENT,
          ...(ca ? { ca } : {}),
          pins,
        })
      : undefined;
    const queue = submitUrl ? createSubmitQueue({ dir: join(dir, 'queue'), collectorUrl: submitUrl }) : undefined;
    const showProgress = !values.json && !!ctx.stderr.isTTY;
    const measure = experiment.measure as NonNullable<Experiment['measure']>;
    const results: Measurement<Record<string, unknown>>[] = [];
    let invalid = 0;
    let done = 0;
    const tally = new Map<string, number>();
    let queueBroken = false;
    const columns = (ctx.stderr as { columns?: number }).columns || 80;
    if (showProgress) ctx.stderr.write(progressLine(0, inputs.length, '', columns));
    const label = (input: string | null) => input ?? experiment.name;
    await runPool(
      inputs,
      concurrency,
      (entry) =>
        // the run options every experiment takes, plus web_connectivity's helper and verdict engine
        measure(entry.input, {
          ...(resolver ? { resolver } : {}),
          ...(doh ? { doh } : {}),
          pins,
          ...(helperUrl ? { helperUrl, controlClient } : {}),
          ...(ca ? { ca } : {}),
          dataDir: data,
          timeoutMs,
          probe: location,
          resolverIdentity: {
            ip: resolverIp,
            asn: `AS${resolverAsn?.asn ?? 0}`,
            networkName: resolverAsn?.org ?? '',
          },
          reportId,
          testStartMs,
          nowMs,
          asnOf,
          ownAddresses: location.address ? [...ownAddresses, location.address] : ownAddresses,
          analyze,
          ...(targets === undefined ? {} : { targets }),
          signal: ctx.signal,
        } as Parameters<typeof measure>[1]).catch((err: unknown) => err as Error),
      (m, entry) => {
        // Finished after Ctrl-C: its steps were cut short ('interrupted'), which says nothing about the network.
        if (ctx.signal.aborted) return;
        done++;
        if (m instanceof Error) {
          // One URL the probe cannot measure must not cost the others their measurements.
          invalid++;
          ctx.stderr.write(
            `\nblockwatch: ${label(entry.input)}: ${BlockwatchError.is(m) ? m.message : `internal error: ${m.stack}`}\n`,
          );
          return;
        }
        // web_connectivity's measure stores its verdict itself (with OONI's classic keys); the others' here
        const keys = m.test_keys as Record<string, unknown>;
        if (keys && typeof keys === 'object' && keys.x_blockwatch_verdict === undefined) {
          keys.x_blockwatch_verdict = analyze(m);
        }
        const check = validateMeasurement(m);
        if (!check.ok) {
          invalid++;
          ctx.stderr.write(
            `\nblockwatch: internal error: the measurement of ${label(entry.input)} does not validate at ${check.path}: ${check.message}\n`,
          );
          return;
        }
        results.push(m);
        const line = `${JSON.stringify(m)}\n`;
        if (values.json) ctx.stdout.write(line);
        out?.write(line);
        try {
          queue?.enqueue([m]);
        } catch (err) {
          // The measurement is still in --out/stdout; say once that it will not be submitted.
          if (!queueBroken) ctx.stderr.write(`\nblockwatch: cannot queue for submission: ${(err as Error).message}\n`);
          queueBroken = true;
        }
        const outcome = outcomeOf(m);
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
        if (showProgress)
          ctx.stderr.write(`\r\x1b[K${progressLine(done, inputs.length, label(entry.input), columns, tally)}`);
      },
      ctx.signal,
    );
    await controlClient?.close();
    if (showProgress) ctx.stderr.write('\r\x1b[K');
    if (out)
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (!values.json) {
      // Keep input order, not completion order.
      const order = new Map(inputs.map((u, i) => [u.input, i]));
      results.sort((a, b) => (order.get(a.input) ?? 0) - (order.get(b.input) ?? 0));
      ctx.stdout.write(renderTable(results, (ctx.stdout as { columns?: number }).columns || 120));
    }
    if (outPath) ctx.stderr.write(`${results.length} measurements written to ${outPath}\n`);

    // 5. Submit (the queue also holds what earlier runs could not send).
    if (queue) {
      const r = await queue.flush({
        budgetMs: 60_000,
        signal: ctx.signal,
        onRetry: (error, waitMs) =>
          ctx.stderr.write(`collector unreachable (${error}); retrying in ${(waitMs / 1000).toFixed(1)} s\n`),
      });
      ctx.stderr.write(
        r.pending
          ? `${r.accepted} measurements submitted; ${r.pending} queued in ${queue.dir} for the next run (${r.lastError})\n`
          : `${r.accepted} measurements submitted to ${submitUrl}\n`,
      );
      if (r.rejected) {
        ctx.stderr.write(`${r.rejected} measurements refused by the collector, kept as *.rejected in ${queue.dir}\n`);
      }
    }
    if (ctx.signal.aborted) {
      ctx.stderr.write(
        `interrupted: ${done} of ${inputs.length} ${experiment.input === 'url' ? 'URLs' : 'inputs'} measured\n`,
      );
      return 130;
    }
    return invalid ? 70 : 0;
  },
});
