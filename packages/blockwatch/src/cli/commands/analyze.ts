import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { dataDir, hasFingerprints, loadFingerprints } from '../../data/index.ts';
import { BlockwatchError, UsageError } from '../../errors.ts';
import { analyzeAny, experimentNames, ooniVerdictAny } from '../../experiments/registry.ts';
import { createAsnLookup } from '../../geo/index.ts';
import type { Verdict } from '../../model/verdict.ts';
import { configDir } from '../../probe/config-dir.ts';
import { type AnalyzeOptions, unwrapMeasurement } from '../../verdict/index.ts';
import { defineCommand } from '../command.ts';

interface Item {
  file: string;
  line: number;
  value: unknown;
}

/**
 * Yields the measurements of a file: JSONL (one per line, streamed), one JSON document (a measurement, an API
 * wrapper, or an array of them). Bad lines are reported through `onError` and skipped.
 */
async function* readMeasurements(
  file: string,
  onError: (where: string, message: string) => void,
): AsyncGenerator<Item> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let wholeDocument = false;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    try {
      yield { file, line: lineNo, value: JSON.parse(text) };
    } catch (err) {
      // A pretty-printed document fails on its first line: read the whole file instead.
      if (lineNo === 1 || (lineNo <= 3 && /^\s*[[{]\s*$/.test(text))) {
        wholeDocument = true;
        break;
      }
      onError(`${file}:${lineNo}`, `not valid JSON (${(err as Error).message})`);
    }
  }
  lines.close();
  if (!wholeDocument) return;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    onError(file, `neither JSON nor JSON Lines (${(err as Error).message})`);
    return;
  }
  const items = Array.isArray(doc) ? doc : [doc];
  for (let i = 0; i < items.length; i++) yield { file, line: Array.isArray(doc) ? i + 1 : 1, value: items[i] };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

function describe(item: Item) {
  const m = unwrapMeasurement(item.value) as Record<string, unknown> | null;
  const obj = typeof m === 'object' && m !== null ? m : {};
  return {
    input: str(obj.input),
    measurement_uid: str(obj.measurement_uid),
    report_id: str(obj.report_id),
    test_name: str(obj.test_name),
  };
}

function pad(text: string, width: number) {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export default defineCommand({
  name: 'analyze',
  summary: 'print the verdict of OONI-format measurements (JSON or JSONL)',
  usage: 'FILE… [--json] [--fingerprints DIR]',
  details: `
Reads measurements of the registered tests, OONI's or blockwatch's:
  ${experimentNames().join(', ')}
(JSON, JSON Lines, arrays, and the OONI API's {"raw_measurement": …} or the collector's {"content": …}
wrappers) and prints one verdict each, by the measurement's experiment. blocking and accessible keep exactly
OONI's classic meaning; the rest (outcome, method, per-layer results, fingerprints, explanation) is blockwatch's;
--json also prints OONI's own verdict as the test keys state it ("ooni"). Another test gets the outcome unknown,
with the reason. Fingerprints come from the data directory (see 'blockwatch update') unless --fingerprints is
given.

Examples:
  blockwatch analyze measurement.json
  blockwatch analyze --json reports/*.jsonl | jq 'select(.confirmed)'`,
  options: {
    json: { type: 'boolean', description: 'one JSON object per measurement and line' },
    fingerprints: {
      type: 'string',
      arg: 'DIR',
      description: 'directory with fingerprints_dns.csv and fingerprints_http.csv',
    },
  },
  positionals: true,
  async run({ values, positionals }, ctx) {
    if (positionals.length === 0) throw new UsageError('analyze: give at least one measurement FILE');
    const files = positionals.map((p) => resolve(ctx.cwd, p));
    for (const [i, f] of files.entries()) {
      if (!existsSync(f) || !statSync(f).isFile())
        throw new BlockwatchError('BW_ERR_NOT_FOUND', `analyze: ${positionals[i]} is not a readable file`);
    }
    // Offline ASNs for addresses neither the probe nor the control annotated (old measurements), and org names
    // for the explanations; the table loads on first use.
    const asnLookup = createAsnLookup({ cacheDir: join(configDir(ctx.env), 'geo') });
    const options: AnalyzeOptions = {
      asnOf: (ip) => asnLookup(ip)?.asn ?? null,
      describeAsn: (asn) => asnLookup.orgOf(asn) || null,
    };
    const fpDir = values.fingerprints ?? dataDir(ctx.env);
    if (values.fingerprints !== undefined || hasFingerprints(fpDir)) options.fingerprints = loadFingerprints(fpDir);
    else ctx.stderr.write(`note: no fingerprints in ${fpDir} (run 'blockwatch update'): nothing can be confirmed\n`);

    let errors = 0;
    const onError = (where: string, message: string) => {
      errors++;
      ctx.stderr.write(`${where}: ${message}\n`);
    };
    const table = !values.json;
    const width = Math.max(60, Math.min(ctx.stdout.columns ?? 120, 200));
    const inputWidth = Math.max(20, Math.floor(width * 0.3));
    if (table) {
      ctx.stdout.write(
        `${pad('INPUT', inputWidth)} ${pad('BLOCKING', 12)} ${pad('ACCESSIBLE', 10)} ${pad('OUTCOME', 10)} ${pad('METHOD', 16)} EXPLANATION\n`,
      );
    }
    let count = 0;
    for (const file of files) {
      for await (const item of readMeasurements(file, onError)) {
        const ids = describe(item);
        count++;
        const verdict: Verdict = analyzeAny(item.value, options);
        if (values.json) {
          // OONI's own verdict beside ours, as the measurement's test keys state it
          const ooni = ooniVerdictAny(item.value);
          ctx.stdout.write(
            `${JSON.stringify({ ...ids, file: item.file, line: item.line, ...verdict, ...(ooni ? { ooni } : {}) })}\n`,
          );
        } else {
          const rest = Math.max(20, width - inputWidth - 53);
          ctx.stdout.write(
            `${pad(ids.input ?? `(${ids.test_name ?? '?'})`, inputWidth)} ${pad(String(verdict.blocking), 12)} ${pad(String(verdict.accessible), 10)} ${pad(verdict.outcome, 10)} ${pad(verdict.method ?? (verdict.confirmed ? 'fingerprint' : '-'), 16)} ${ctx.stdout.isTTY ? pad(verdict.explanation, rest) : verdict.explanation}\n`,
          );
        }
      }
    }
    if (table) ctx.stderr.write(`${count} measurements${errors ? `, ${errors} unreadable` : ''}\n`);
    return errors > 0 ? 1 : 0;
  },
});
