/** The store options `serve` and `import` share: `--data DIR` (embedded) or `--clickhouse URL [--cluster NAME]`. */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from 'blockwatch/errors.ts';
import type { StoreLocation } from '../store/client.ts';

export const STORE_OPTIONS = {
  data: { type: 'string', arg: 'DIR', description: 'data directory of the embedded store (default ./blockwatch-data)' },
  clickhouse: {
    type: 'string',
    arg: 'URL',
    description: 'use a ClickHouse server instead (http://user:pass@host:8123/db)',
  },
  cluster: { type: 'string', arg: 'NAME', description: 'with --clickhouse: the cluster for ON CLUSTER DDL' },
  reference: {
    type: 'string',
    arg: 'DIR',
    description: "fingerprints and test lists as 'blockwatch update' writes them (default: the user data dir)",
  },
} as const;

/** For the commands that analyse (serve, import): the lab's registry makes its reserved-range addresses public. */
export const ASN_REGISTRY_OPTION = {
  'asn-registry': {
    type: 'string',
    arg: 'FILE',
    description: 'JSON address → ASN registry whose addresses count as public (the lab publishes one)',
  },
} as const;

export function storeLocation(
  values: { data?: string; clickhouse?: string; cluster?: string },
  cwd: string,
): StoreLocation & { dataDir?: string } {
  if (values.data && values.clickhouse) throw new UsageError('give either --data or --clickhouse, not both');
  if (values.cluster && !values.clickhouse) throw new UsageError('--cluster needs --clickhouse');
  if (values.cluster && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(values.cluster)) {
    throw new UsageError(`--cluster must be an identifier, got '${values.cluster}'`);
  }
  if (values.clickhouse) {
    return values.cluster ? { url: values.clickhouse, cluster: values.cluster } : { url: values.clickhouse };
  }
  const dataDir = resolve(cwd, values.data ?? 'blockwatch-data');
  prepareDataDir(dataDir);
  return { dataDir };
}

/**
 * Creates the data directory (and missing parents) or fails at once naming it. Not mkdirSync's `recursive`:
 * under /proc it retries forever (ENOENT for a parent that exists), a server that hangs without a word.
 */
function prepareDataDir(dir: string): void {
  const missing: string[] = [];
  for (let p = dir; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  try {
    for (const m of missing) mkdirSync(m);
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`--data ${dir} is not a usable directory (${reason})`);
  }
}
