/** `blockwatch helper`: run a control helper (OONI test-helper protocol) until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BlockwatchError, UsageError } from '../../errors.ts';
import { createAsnLookup, type GeoRegistry, loadGeoRegistry } from '../../geo/index.ts';
import { createHelperServer, DEFAULT_CONCURRENCY, DEFAULT_DEADLINE_MS } from '../../helper/index.ts';
import type { Upstream } from '../../helper/resolver.ts';
import { configDir } from '../../probe/config-dir.ts';
import { parseResolvePins } from '../../probe/resolve-pins.ts';
import { defineCommand, intOption, secondsOption } from '../command.ts';

const DEFAULT_DOH = 'https://dns.google/dns-query';

/** "HOST:PORT" or "[v6]:PORT" → host and port (0 = any free port). */
export function parseListen(value: string | undefined): { host: string; port: number } {
  const match = value === undefined ? null : /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = match ? (match[1] ?? match[2]) : '';
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port >= 0 && port <= 65535) || (match[1] !== undefined && isIP(host) !== 6)) {
    throw new UsageError(`--listen must be HOST:PORT (e.g. 0.0.0.0:8080 or [::]:8080), got '${value ?? ''}'`);
  }
  return { host, port };
}

/** "IP" or "IP:PORT" or "[v6]:PORT" → the resolver address lookupUdp takes. */
export function parseResolverOption(value: string): string {
  const bare = value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return value;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : 0;
  if (!match || !isIP(match[1] ?? match[2]) || port < 1 || port > 65535) {
    throw new UsageError(`--resolver must be IP or IP:PORT (e.g. 9.9.9.9 or 198.18.0.53:53), got '${value}'`);
  }
  return value;
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new BlockwatchError('BW_ERR_NOT_FOUND', `cannot read ${option} ${path}: ${(err as Error).message}`);
  }
}

function readPemFiles(paths: readonly string[], option = '--ca'): string[] {
  return paths.map((path) => {
    const text = readText(path, option);
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${option} ${path}: no PEM certificate in the file`);
    }
    return text;
  });
}

export default defineCommand({
  name: 'helper',
  summary: 'run a control helper (OONI test-helper protocol) on an unfiltered network',
  usage: '--listen HOST:PORT [options]',
  details: `Answers OONI's test-helper protocol (POST /): resolves the URL's host through a clean resolver, connects
and handshakes to every address the probe or the resolver found, fetches the page, and returns what it saw.
Probes point --helper at it. Logs one line per request to stderr (host, durations, status; never the
client's address). See docs/helper.md.

Examples:
  blockwatch helper --listen 0.0.0.0:8080
  blockwatch helper --listen [::]:443 --tls-cert fullchain.pem --tls-key privkey.pem
  blockwatch helper --listen 127.0.0.1:0 --resolver 198.18.0.53 --ca lab-ca.pem --asn-registry lab-asn.json`,
  options: {
    listen: { type: 'string', arg: 'HOST:PORT', description: 'address to listen on (port 0: any free port)' },
    doh: { type: 'string', arg: 'URL', description: `clean DNS-over-HTTPS resolver (default: ${DEFAULT_DOH})` },
    resolver: { type: 'string', arg: 'IP[:PORT]', description: 'clean resolver over plain UDP, instead of DoH' },
    ca: { type: 'string', arg: 'FILE', multiple: true, description: 'extra trusted root certificates (PEM)' },
    resolve: {
      type: 'string',
      arg: 'HOST:PORT:ADDR',
      multiple: true,
      description: 'answer HOST with ADDR without asking DNS; ADDR counts as public',
    },
    deadline: {
      type: 'string',
      arg: 'SECONDS',
      description: `time budget of one measurement (default: ${DEFAULT_DEADLINE_MS / 1000})`,
    },
    concurrency: {
      type: 'string',
      arg: 'N',
      description: `requests measured at once; more get HTTP 503 (default: ${DEFAULT_CONCURRENCY})`,
    },
    'tls-cert': { type: 'string', arg: 'FILE', description: 'serve HTTPS with this certificate chain (PEM)' },
    'tls-key': { type: 'string', arg: 'FILE', description: 'the private key of --tls-cert (PEM)' },
    'asn-registry': {
      type: 'string',
      arg: 'FILE',
      description: 'JSON {"cidr or ip": asn}: ASNs for ip_info; its addresses count as public (the lab)',
    },
  },
  async run({ values }, ctx) {
    const { host, port } = parseListen(values.listen);
    if (values.doh !== undefined && values.resolver !== undefined) {
      throw new UsageError('--doh and --resolver are alternatives: give one');
    }
    let upstream: Upstream;
    if (values.resolver !== undefined) {
      upstream = { kind: 'udp', address: parseResolverOption(values.resolver) };
    } else {
      const url = values.doh ?? DEFAULT_DOH;
      if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--doh must be an https:// URL, got '${url}'`);
      upstream = { kind: 'doh', url };
    }
    const deadlineMs = Math.round(secondsOption('deadline', values.deadline, DEFAULT_DEADLINE_MS / 1000) * 1000);
    const concurrency = intOption('concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, 10_000);
    const pins = parseResolvePins(values.resolve);
    const ca = readPemFiles(values.ca ?? []);
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    const tls =
      values['tls-cert'] && values['tls-key']
        ? { cert: readPemFiles([values['tls-cert']], '--tls-cert')[0], key: readText(values['tls-key'], '--tls-key') }
        : undefined;
    const registry: GeoRegistry | undefined = values['asn-registry']
      ? loadGeoRegistry(values['asn-registry'])
      : undefined;
    const asnLookup = createAsnLookup({ registry, cacheDir: join(configDir(ctx.env), 'geo') });
    asnLookup('1.1.1.1'); // load the table now, not during the first request

    const helper = createHelperServer({
      upstream,
      ca,
      pins,
      deadlineMs,
      concurrency,
      tls,
      asnOf: (ip) => asnLookup(ip)?.asn ?? null,
      isPublicOverride: registry ? (ip) => registry.find(ip) !== null : undefined,
      log: (line) => ctx.stderr.write(`${line}\n`),
    });
    let url: string;
    try {
      url = await helper.listen(port, host);
    } catch (err) {
      throw new BlockwatchError('BW_ERR_INVALID_ARG', `cannot listen on ${values.listen}: ${(err as Error).message}`);
    }
    ctx.stdout.write(`blockwatch helper listening on ${url}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await helper.close();
    ctx.stderr.write('blockwatch helper stopped\n');
    return 0;
  },
});
