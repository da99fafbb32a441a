import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineCommand } from 'blockwatch/cli';
import { UsageError } from 'blockwatch/errors.ts';
import { analyzerOptionsFor, createAnalyzer } from '../analysis/analyzer.ts';
import { createTransferBaselines, type TransferBaselines } from '../analysis/transfer-baselines.ts';
import { type ImportSummary, importFiles } from '../import/importer.ts';
import { openStore } from '../store/store.ts';
import { ASN_REGISTRY_OPTION, STORE_OPTIONS, storeLocation } from './store-options.ts';

/** Files named on the command line; a directory stands for the measurement files in it. */
export function expandFiles(args: string[], cwd: string): string[] {
  const files: string[] = [];
  for (const arg of args) {
    const path = resolve(cwd, arg);
    if (!existsSync(path)) throw new UsageError(`no such file: ${arg}`);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (/\.(jsonl?|ndjson|ya?ml)(\.gz)?$/i.test(name)) files.push(join(path, name));
      }
    } else files.push(path);
  }
  return files;
}

function progressBar(stream: NodeJS.WritableStream & { columns?: number }) {
  let last = 0;
  return ({ bytes, totalBytes, records }: { bytes: number; totalBytes: number; records: number }) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const share = totalBytes ? Math.min(1, bytes / totalBytes) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    stream.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${records.toLocaleString('en')} records`,
    );
  };
}

function describe(s: ImportSummary): string {
  return [
    `imported ${s.imported} measurements from ${s.files} files in ${s.elapsedS} s`,
    `(${s.duplicates} already stored, ${s.skipped} skipped${s.metadata ? `, ${s.metadata} OONI metadata files used as sidecars` : ''})`,
    s.unsupported.length ? `\nunsupported format (YAML): ${s.unsupported.join(', ')}` : '',
  ].join(' ');
}

export default defineCommand({
  name: 'import',
  summary: 'import OONI measurements (JSON, JSONL, .gz) into the store',
  usage: 'FILE|DIR… [--data DIR | --clickhouse URL | --server URL] [--json]',
  details: `
Every measurement is re-analysed by blockwatch's engine; OONI's own verdict (test_keys blocking/accessible, and
the fastpath flags of a NAME.api_meta.json next to NAME.json) is kept beside ours. A bad record is reported
as file:line and skipped. Importing the same file twice changes nothing. YAML reports (before 2016) are
reported as unsupported. Exit status 1 when any record was skipped.`,
  options: {
    ...STORE_OPTIONS,
    ...ASN_REGISTRY_OPTION,
    server: { type: 'string', arg: 'URL', description: "submit to a running server's batch endpoint instead" },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  positionals: true,
  async run({ values, positionals }, ctx) {
    if (positionals.length === 0) throw new UsageError('import: name at least one FILE or DIR');
    if (values.server && (values.data || values.clickhouse)) {
      throw new UsageError('give either --server or a store (--data/--clickhouse), not both');
    }
    const files = expandFiles(positionals, ctx.cwd);
    const onProblem = values.json
      ? undefined
      : (p: { file: string; line?: number; message: string }) =>
          ctx.stderr.write(`${ctx.stderr.isTTY ? '\n' : ''}${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
    const onProgress = ctx.stderr.isTTY && !values.json ? progressBar(ctx.stderr) : undefined;
    let summary: ImportSummary;
    if (values.server) {
      let url: URL;
      try {
        url = new URL(values.server);
      } catch {
        throw new UsageError(`--server must be a URL, got '${values.server}'`);
      }
      summary = await importFiles(files, {
        sink: { kind: 'server', url: url.href },
        onProblem,
        onProgress,
        signal: ctx.signal,
      });
    } else {
      const location = storeLocation(values, ctx.cwd);
      let baselines: TransferBaselines | undefined;
      const analyzer = createAnalyzer({
        transferBaseline: (cc, domain, asn, timeMs) => baselines?.lookup(cc, domain, asn, timeMs),
        ...analyzerOptionsFor(values.reference ? resolve(ctx.cwd, values.reference) : undefined, ctx.env),
        ...('dataDir' in location && location.dataDir ? { geoCacheDir: join(location.dataDir, 'geo') } : {}),
        ...(values['asn-registry'] ? { asnRegistryFile: resolve(ctx.cwd, values['asn-registry']) } : {}),
      });
      const store = await openStore({ location });
      try {
        // the same site on other networks, as stored before this import (one query; throttling of complete transfers)
        baselines = createTransferBaselines(store);
        await baselines.refresh();
        summary = await importFiles(files, {
          sink: { kind: 'store', store, analyzer },
          onProblem,
          onProgress,
          signal: ctx.signal,
        });
      } finally {
        await store.close();
      }
    }
    if (onProgress) ctx.stderr.write('\n');
    ctx.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describe(summary)}\n`);
    return summary.skipped > 0 ? 1 : 0;
  },
});
