/**
 * Signal's private root CA, which its backend hosts (chat.signal.org, …) chain to instead of a public root.
 * `blockwatch update` takes it from Signal-Desktop's own `config/production.json` (its `certificateAuthority`
 * field) and writes it to `<data dir>/signal-ca.pem`; the signal experiment trusts it beside the system roots.
 * Without it every backend handshake fails with ssl_unknown_authority, which says nothing about the network.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockwatchError } from '../errors.ts';

export const SIGNAL_CA_FILE = 'signal-ca.pem';

/** Where Signal publishes the root: Signal-Desktop's production configuration. */
export const SIGNAL_CONFIG_UPSTREAM =
  'https://raw.githubusercontent.com/signalapp/Signal-Desktop/main/config/production.json';

export function signalCaPath(dir: string): string {
  return join(dir, SIGNAL_CA_FILE);
}

/** The PEM if it is one parseable X.509 CA certificate; throws `code` naming `where` and what is wrong. */
export function checkCaPem(pem: string, where: string, code: 'BW_ERR_DOWNLOAD' | 'BW_ERR_INVALID_INPUT'): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1)
    throw new BlockwatchError(code, `${where}: expected one PEM certificate, found ${blocks.length}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0] as string);
  } catch (err) {
    throw new BlockwatchError(code, `${where}: not a parseable X.509 certificate (${(err as Error).message})`);
  }
  if (!cert.ca) throw new BlockwatchError(code, `${where}: the certificate (${cert.subject}) is not a CA certificate`);
  return `${(blocks[0] as string).trim()}\n`;
}

/** The root from the text of Signal-Desktop's production.json, checked; throws BW_ERR_DOWNLOAD naming `url`. */
export function signalCaFromConfig(text: string, url: string): string {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: not JSON (${(err as Error).message})`);
  }
  const pem = (config as { certificateAuthority?: unknown } | null)?.certificateAuthority;
  if (typeof pem !== 'string')
    throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: no 'certificateAuthority' string field`);
  return checkCaPem(pem, `${url}: 'certificateAuthority'`, 'BW_ERR_DOWNLOAD');
}

/** The root from the data directory, or undefined when it is not there; a damaged file is BW_ERR_INVALID_INPUT. */
export function readSignalCa(dir: string): string | undefined {
  const path = signalCaPath(dir);
  if (!existsSync(path)) return undefined;
  return checkCaPem(readFileSync(path, 'utf8'), path, 'BW_ERR_INVALID_INPUT');
}
