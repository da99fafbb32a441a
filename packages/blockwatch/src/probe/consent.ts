/**
 * Informed consent. Measuring censorship can be dangerous for the person running the probe, so the probe
 * shows the risks before its first run, asks once on a terminal and remembers the answer in the config dir.
 * Unattended runs pass `--accept-risks`. Without a terminal and without consent it refuses at once: it never
 * waits for input that cannot come.
 *
 * The stored consent names the version of the risk text; a materially changed text asks again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BlockwatchError } from '../errors.ts';

/** Bump when the risk text changes in substance: everyone is asked again. */
export const RISK_TEXT_VERSION = 1;

export const RISK_TEXT = `
Before you run blockwatch probe, please read this.

blockwatch measures whether websites are blocked from the network you are on. It connects to the sites you
give it (or a test list of sites chosen because they are often censored: news, human rights, political
opposition, LGBTQ+ topics, circumvention tools, pornography, gambling...) and records what happens.

RISKS
- Legal risk. In some countries accessing certain sites, or running network measurement software, may be
  illegal, may breach your employer's or provider's terms of use, or may draw the attention of authorities.
  The laws differ between countries and are often vague. If in doubt, ask a lawyer or a digital-security
  organisation you trust before measuring.
- Visibility. Your internet provider, your employer, your government and anyone else watching this network
  can see that your device connects to these sites and to the blockwatch control helper. The traffic is
  not hidden and blockwatch does not try to disguise itself. When a site's connection fails in a way that
  can mean filtering by name, the probe tries that address once with the neutral name example.com and once
  more with the site's name, so a blocked site can be contacted twice in one measurement. Do not run it on a
  network or device you are not allowed to use this way.
- Publication. If you submit measurements (--submit), they are meant to be published as open data. They
  include your country and your network's ASN (provider), the time, and the sites tested. Someone who knows
  you ran a probe on a small network could link measurements to you.

WHAT IS AND IS NOT COLLECTED
- Collected: each URL tested; DNS answers; which server addresses accepted connections; TLS certificates;
  the HTTP responses (headers and up to a few hundred kilobytes of body); the answer of the control helper;
  your country code and network (ASN and its name), looked up offline on this device; the time.
- Not collected: your IP address. probe_ip is always "127.0.0.1", and every occurrence of this device's own
  addresses in bodies, headers, certificates and error messages is replaced with "[scrubbed]" before
  anything is written or sent. blockwatch never asks an online service for your address or location.
- Nothing is sent anywhere unless you pass --submit (measurements) or --helper (the URL under test and the
  server addresses, sent to the control helper so it can measure the same URL from an unfiltered network).

You can stop at any time (Ctrl-C). See docs/probe.md for details.
`;

export interface ConsentRecord {
  accepted: true;
  version: number;
  acceptedAt: string;
}

export function readConsent(configDir: string): ConsentRecord | null {
  try {
    const record = JSON.parse(readFileSync(join(configDir, 'consent.json'), 'utf8')) as Partial<ConsentRecord>;
    return record.accepted === true && record.version === RISK_TEXT_VERSION ? (record as ConsentRecord) : null;
  } catch {
    return null;
  }
}

export function writeConsent(configDir: string, nowMs = Date.now()): ConsentRecord {
  const record: ConsentRecord = {
    accepted: true,
    version: RISK_TEXT_VERSION,
    acceptedAt: new Date(nowMs).toISOString(),
  };
  mkdirSync(configDir, { recursive: true });
  const path = join(configDir, 'consent.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return record;
}

function askOnce(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, output, terminal: false });
    const onAbort = () => {
      rl.close();
      reject(new BlockwatchError('BW_ERR_CONSENT', 'interrupted before consent was given'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    output.write("Type 'yes' to accept these risks and continue: ");
    rl.once('line', (line) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(line.trim()); // before close(): closing emits 'close', which would resolve ''
      rl.close();
    });
    rl.once('close', () => resolve(''));
  });
}

/**
 * Returns when the probe may run; throws BW_ERR_CONSENT otherwise.
 * `acceptRisks` (the flag) consents for this run only and is not remembered.
 */
export async function ensureConsent(options: {
  configDir: string;
  acceptRisks: boolean;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  nowMs?: number;
}): Promise<void> {
  if (options.acceptRisks || readConsent(options.configDir)) return;
  if (!options.stdin.isTTY || !options.stderr.isTTY) {
    throw new BlockwatchError(
      'BW_ERR_CONSENT',
      'the probe needs your informed consent before its first run. Run it once on a terminal to read the risks ' +
        'and accept them, or read them in docs/probe.md and pass --accept-risks for unattended runs',
    );
  }
  options.stderr.write(RISK_TEXT);
  options.stderr.write('\n');
  const answer = await askOnce(options.stdin, options.stderr, options.signal);
  if (!/^y(es)?$/i.test(answer)) {
    throw new BlockwatchError('BW_ERR_CONSENT', 'consent not given: nothing was measured');
  }
  writeConsent(options.configDir, options.nowMs);
  options.stderr.write(`Thank you. Your consent is stored in ${join(options.configDir, 'consent.json')}.\n`);
}
