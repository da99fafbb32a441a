/**
 * `blockwatch remote`: measures networks from outside, with nobody inside at risk (docs/remote.md). Validates
 * every input and applies the ethics checks before the first packet; `--dry-run` prints the plan and sends nothing.
 */
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDir, hasFingerprints, loadFingerprints } from '../../data/index.ts';
import { UsageError } from '../../errors.ts';
import { type GeoRegistry, loadGeoRegistry, parseAsnOption } from '../../geo/index.ts';
import { parseResolver } from '../../netx/dns-udp.ts';
import { configDir } from '../../probe/config-dir.ts';
import { createSubmitQueue } from '../../probe/submit-queue.ts';
import { readTestList } from '../../probe/test-list.ts';
import type { QuackProtocol } from '../../remote/analyze-http.ts';
import {
  checkExcludes,
  checkInfrastructure,
  DEFAULT_RATES,
  type InfraHost,
  planRemote,
  type RemoteOptions,
  readInfraCsv,
  renderPlan,
  renderRemoteTable,
  runRemote,
  summarizeRemote,
} from '../../remote/index.ts';
import { defineCommand, httpUrlOption, intOption, labTimeOption, secondsOption } from '../command.ts';
import { openOut, readCa } from '../files.ts';

const DEFAULT_CONTROL_RESOLVERS = ['1.1.1.1', '8.8.8.8', '9.9.9.9'];

function rateOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) {
    throw new UsageError(`--${name} must be a number of packets per second between 0 and 1000, got '${value}'`);
  }
  return n;
}

function domainOption(name: string, value: string): string {
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(v)) {
    throw new UsageError(`--${name} must be a domain name, got '${value}'`);
  }
  return v;
}

function protocolsOption(value: string | undefined): QuackProtocol[] {
  if (value === undefined || value === 'both') return ['http', 'https'];
  if (value === 'http' || value === 'https') return [value];
  throw new UsageError(`--protocol must be http, https or both, got '${value}'`);
}

export default defineCommand({
  name: 'remote',
  summary: 'measure networks from outside through their resolvers and servers (nobody inside at risk)',
  usage: '--list FILE.csv [--resolvers FILE.csv] [--servers FILE.csv] [options]',
  details: `
Asks open resolvers inside the target networks for each domain of the list and verifies their answers against
control resolvers and what the answered addresses serve (dns_remote, Satellite's method), and sends requests
naming each domain to web servers inside the networks, compared with benign domains (http_remote, Hyperquack's
method). Resolver and server lists are CSV with the columns address,asn,country (servers may add port); only
public infrastructure is accepted, never end-user addresses. Rate limits apply per resolver, per server and per
network. The records are OONI-format JSONL with "vantage": "remote", ready for 'blockwatch import'.

Examples:
  blockwatch remote --resolvers kz-resolvers.csv --list kz.csv --dry-run
  blockwatch remote --resolvers kz-resolvers.csv --servers kz-servers.csv --list kz.csv --out remote.jsonl`,
  options: {
    list: {
      type: 'string',
      arg: 'FILE.csv',
      description: 'a Citizen Lab test list: the domains of its URLs are tested',
    },
    resolvers: { type: 'string', arg: 'FILE.csv', description: 'open resolvers inside the target networks' },
    servers: { type: 'string', arg: 'FILE.csv', description: 'web servers inside the target networks' },
    'control-resolver': {
      type: 'string',
      multiple: true,
      arg: 'IP[:PORT]',
      description: `trusted resolver outside the target networks (default ${DEFAULT_CONTROL_RESOLVERS.join(', ')})`,
    },
    'control-domain': {
      type: 'string',
      arg: 'DOMAIN',
      description: 'domain every resolver must resolve',
      default: 'example.com',
    },
    'http-control-domain': {
      type: 'string',
      multiple: true,
      arg: 'DOMAIN',
      description: 'benign domain for the server template (default example.com)',
    },
    protocol: { type: 'string', arg: 'http|https|both', description: 'what http_remote tests', default: 'both' },
    'resolver-rate': {
      type: 'string',
      arg: 'N',
      description: 'queries per second to one resolver',
      default: String(DEFAULT_RATES.perResolver),
    },
    'server-rate': {
      type: 'string',
      arg: 'N',
      description: 'requests per second to one server',
      default: String(DEFAULT_RATES.perServer),
    },
    'network-rate': {
      type: 'string',
      arg: 'N',
      description: 'packets per second into one network (ASN)',
      default: String(DEFAULT_RATES.perNetwork),
    },
    'stateful-wait': {
      type: 'string',
      arg: 'SECONDS',
      description: 'wait before the second control after a failed test (stateful blocking)',
      default: '120',
    },
    exclude: { type: 'string', multiple: true, arg: 'CIDR', description: 'end-user range that must never be measured' },
    concurrency: { type: 'string', arg: 'N', description: 'measurements at the same time', default: '16' },
    timeout: {
      type: 'string',
      arg: 'SECONDS',
      description: 'time budget of one query, handshake or request',
      default: '5',
    },
    ca: { type: 'string', arg: 'FILE', description: 'extra trusted root certificates for verification (PEM)' },
    'asn-registry': { type: 'string', arg: 'FILE', description: 'JSON file of address → ASN overrides (lab)' },
    'vantage-asn': { type: 'string', arg: 'ASN', description: 'the network this run is measured from (recorded)' },
    'lab-time': {
      type: 'string',
      arg: 'ISO',
      description: 'measurement time taken from a lab clock; for replays in the lab',
    },
    every: { type: 'string', arg: 'HOURS', description: 'run again every HOURS (a schedule next to the server)' },
    rounds: { type: 'string', arg: 'N', description: 'with --every: stop after N rounds (default: until interrupted)' },
    submit: { type: 'string', arg: 'URL', description: 'send the measurements to this collector after each round' },
    'dry-run': { type: 'boolean', description: 'print the plan (hosts, packets, time) and send nothing' },
    json: { type: 'boolean', description: 'write the measurements to stdout (JSONL) instead of a table' },
    out: { type: 'string', arg: 'FILE.jsonl', description: 'write the measurements to this file (JSONL)' },
  },
  async run({ values }, ctx) {
    // 1. Validate everything, and apply the ethics checks, before the first packet.
    const cwd = ctx.cwd;
    if (!values.list) throw new UsageError('remote: give the domains to test with --list FILE.csv');
    if (!values.resolvers && !values.servers)
      throw new UsageError('remote: give --resolvers FILE.csv and/or --servers FILE.csv');
    const domains = [
      ...new Set(readTestList(resolvePath(cwd, values.list)).map((e) => new URL(e.url).hostname.toLowerCase())),
    ];
    const resolvers: InfraHost[] = values.resolvers
      ? readInfraCsv(resolvePath(cwd, values.resolvers), 'resolver list')
      : [];
    const servers: InfraHost[] = values.servers ? readInfraCsv(resolvePath(cwd, values.servers), 'server list') : [];
    const registry: GeoRegistry | undefined = values['asn-registry']
      ? loadGeoRegistry(resolvePath(cwd, values['asn-registry']))
      : undefined;
    const isPublicOverride = registry ? (ip: string) => registry.find(ip) !== null : undefined;
    const exclude = checkExcludes(values.exclude ?? []);
    checkInfrastructure([...resolvers, ...servers], { ...(isPublicOverride ? { isPublicOverride } : {}), exclude });
    const controlResolvers = (values['control-resolver'] ?? DEFAULT_CONTROL_RESOLVERS).map((r) => {
      try {
        parseResolver(r);
      } catch {
        throw new UsageError(`--control-resolver must be IP or IP:PORT, got '${r}'`);
      }
      return r;
    });
    const ca = readCa(values.ca, cwd);
    const fingerprintDir = dataDir(ctx.env);
    const fingerprints = hasFingerprints(fingerprintDir) ? loadFingerprints(fingerprintDir) : undefined;
    const options: RemoteOptions = {
      domains,
      resolvers,
      servers,
      protocols: protocolsOption(values.protocol),
      controlResolvers,
      dnsControlDomain: domainOption('control-domain', values['control-domain'] ?? 'example.com'),
      httpControlDomains: (values['http-control-domain'] ?? ['example.com']).map((d) =>
        domainOption('http-control-domain', d),
      ),
      statefulWaitMs: secondsOption('stateful-wait', values['stateful-wait'], 120) * 1000,
      timeoutMs: secondsOption('timeout', values.timeout, 5) * 1000,
      concurrency: intOption('concurrency', values.concurrency, 16, 1, 256),
      rates: {
        perResolver: rateOption('resolver-rate', values['resolver-rate'], DEFAULT_RATES.perResolver),
        perServer: rateOption('server-rate', values['server-rate'], DEFAULT_RATES.perServer),
        perNetwork: rateOption('network-rate', values['network-rate'], DEFAULT_RATES.perNetwork),
      },
      ...(ca ? { ca } : {}),
      ...(isPublicOverride ? { isPublicOverride } : {}),
      ...(fingerprints ? { fingerprints } : {}),
      ...(values['vantage-asn'] ? { vantageAsn: `AS${parseAsnOption(values['vantage-asn'])}` } : {}),
      signal: ctx.signal,
    };
    const labStartMs = labTimeOption(values['lab-time']);
    if (labStartMs !== undefined) {
      // A lab clock stamps the records only; rate limits and timeouts keep the real clock.
      const realStartMs = Date.now();
      options.nowMs = () => labStartMs + (Date.now() - realStartMs);
    }
    const everyMs = values.every === undefined ? undefined : secondsOption('every', values.every, 1) * 3_600_000;
    const rounds = everyMs === undefined ? 1 : intOption('rounds', values.rounds, Number.MAX_SAFE_INTEGER);
    if (values.rounds !== undefined && everyMs === undefined) throw new UsageError('--rounds needs --every HOURS');
    const submitUrl = httpUrlOption('submit', values.submit);
    const plan = planRemote(options);
    if (values['dry-run']) {
      ctx.stdout.write(renderPlan(plan, options));
      return 0;
    }
    const out = values.out ? openOut(resolvePath(cwd, values.out)) : undefined;
    const queue = submitUrl
      ? createSubmitQueue({ dir: join(configDir(ctx.env), 'remote-queue'), collectorUrl: submitUrl })
      : undefined;

    // 2. Measure, writing each record as soon as it is done; on a schedule, round after round.
    ctx.stderr.write(renderPlan(plan, options));
    for (let round = 1; round <= rounds && !ctx.signal.aborted; round++) {
      if (round > 1) {
        await sleep(everyMs ?? 0, undefined, { signal: ctx.signal }).catch(() => undefined);
        if (ctx.signal.aborted) break;
      }
      const records = await measureRound(options, values.json ? ctx.stdout : undefined, out, ctx.stderr);
      if (!values.json) ctx.stdout.write(renderRemoteTable(summarizeRemote(records)));
      if (queue) {
        queue.enqueue(records);
        const r = await queue.flush({ budgetMs: 60_000, signal: ctx.signal });
        ctx.stderr.write(
          r.pending
            ? `${r.accepted} measurements submitted; ${r.pending} queued in ${queue.dir} for the next round (${r.lastError})\n`
            : `${r.accepted} measurements submitted to ${submitUrl}\n`,
        );
      }
      if (values.out) ctx.stderr.write(`${records.length} measurements written to ${values.out}\n`);
    }
    if (out)
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (ctx.signal.aborted) {
      ctx.stderr.write('interrupted\n');
      return 130;
    }
    return 0;
  },
});

/** One round: runs the plan, writes each record as soon as it is done, shows progress on a terminal. */
async function measureRound(
  options: RemoteOptions,
  json: NodeJS.WritableStream | undefined,
  out: NodeJS.WritableStream | undefined,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  const tty = !!stderr.isTTY;
  await runRemote(options, ({ done, total, skipped, record }) => {
    if (record) {
      records.push(record);
      const line = `${JSON.stringify(record)}\n`;
      json?.write(line);
      out?.write(line);
    }
    if (tty) {
      const v = (record?.test_keys as { x_blockwatch_verdict?: { outcome: string; method: string | null } })
        ?.x_blockwatch_verdict;
      const what = record
        ? `${record.test_name} ${record.input} @ ${record.probe_asn}: ${v?.outcome}${v?.method ? `/${v.method}` : ''}`
        : 'skipped (retired)';
      stderr.write(`\r\x1b[K[${done}/${total}${skipped ? `, ${skipped} skipped` : ''}] ${what}`);
    }
  });
  if (tty) stderr.write('\r\x1b[K');
  return records;
}
