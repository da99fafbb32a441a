/**
 * Where blockwatch keeps downloaded reference data: `$BLOCKWATCH_DATA_DIR`, else `$XDG_DATA_HOME/blockwatch`,
 * else `~/.local/share/blockwatch`. Layout:
 *   fingerprints_dns.csv, fingerprints_http.csv   OONI blocking fingerprints
 *   test-lists/<name>.csv                          Citizen Lab test lists (global.csv, kz.csv, …)
 *   signal-ca.pem                                  Signal's private root CA (signal-ca.ts)
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BlockwatchError } from '../errors.ts';
import { createFingerprintSet, type FingerprintSet, parseFingerprintCsv } from '../verdict/index.ts';

export const FINGERPRINT_FILES = { dns: 'fingerprints_dns.csv', http: 'fingerprints_http.csv' } as const;

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BLOCKWATCH_DATA_DIR) return env.BLOCKWATCH_DATA_DIR;
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'blockwatch');
}

/** True when the directory holds both fingerprint files. */
export function hasFingerprints(dir: string): boolean {
  return existsSync(join(dir, FINGERPRINT_FILES.dns)) && existsSync(join(dir, FINGERPRINT_FILES.http));
}

/**
 * Loads the two fingerprint CSVs of `dir`. Throws BW_ERR_NOT_FOUND naming the missing file, or
 * BW_ERR_INVALID_INPUT naming the file and line of a bad row.
 */
export function loadFingerprints(dir: string): FingerprintSet {
  const read = (kind: 'dns' | 'http') => {
    const path = join(dir, FINGERPRINT_FILES[kind]);
    if (!existsSync(path))
      throw new BlockwatchError('BW_ERR_NOT_FOUND', `${path} does not exist (run 'blockwatch update' to download it)`);
    try {
      return parseFingerprintCsv(readFileSync(path, 'utf8'), kind);
    } catch (err) {
      if (BlockwatchError.is(err)) throw new BlockwatchError(err.code, `${dir}/${err.message}`);
      throw err;
    }
  };
  return createFingerprintSet(read('dns'), read('http'));
}

export interface TestListEntry {
  url: string;
  category_code: string;
  category_description: string;
  date_added: string;
  source: string;
  notes: string;
}

/** Path of a test list in the data directory (`global`, `kz`, …). */
export function testListPath(dir: string, name: string): string {
  return join(dir, 'test-lists', `${name}.csv`);
}
