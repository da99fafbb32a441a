/**
 * `blockwatch registry import FILE --format csv|ru-dump --cc CC` and `blockwatch registry compare --cc CC`:
 * official blocklists and how they compare with what the country's networks show.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand, intOption } from 'blockwatch/cli';
import { BlockwatchError, UsageError } from 'blockwatch/errors.ts';
import { ccOption, resolveSource, SOURCE_OPTIONS, table, withStore, writeJson } from '../events/cli-support.ts';
import type { RegistryComparison } from '../registry/compare.ts';
import { parseRegistry, type RegistryFormat } from '../registry/parse.ts';
import { checkListName, compareWithObservations, importRegistry } from '../registry/registry-store.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export default defineCommand({
  name: 'registry',
  summary: 'import official blocklists and compare them with observations',
  usage: 'import FILE --format csv|ru-dump --cc CC | compare --cc CC [options]',
  details: `Formats (see docs/events.md):
  csv      target,date,authority,legal_basis (header line; target = URL, domain or IP address)
  ru-dump  Russia's registry dump as zapret-info publishes it (dump.csv: "Updated:" line, then
           IP;domain;URL;authority;decision number;date; windows-1251 or UTF-8)
An import replaces the list (--list, default: the format name) of that country.
Examples:
  blockwatch registry import dump.csv --format ru-dump --cc RU
  blockwatch registry compare --cc RU --window-days 14`,
  positionals: true,
  options: {
    format: { type: 'string', arg: 'FORMAT', description: 'csv or ru-dump (import)' },
    cc: { type: 'string', arg: 'CC', description: 'country code (required)' },
    list: { type: 'string', arg: 'NAME', description: 'list name (import; default: the format)' },
    'window-days': { type: 'string', arg: 'N', description: 'observations of the last N days (compare; default 30)' },
    json: { type: 'boolean', description: 'print JSON' },
    ...SOURCE_OPTIONS,
  },
  async run({ values, positionals }, ctx) {
    const [action, file, ...rest] = positionals;
    const cc = ccOption(values.cc, true)!;
    const source = resolveSource(values, ctx.env, ctx.cwd);
    if (action === 'import') {
      if (!file || rest.length) throw new UsageError('registry import needs exactly one FILE');
      if (values.format !== 'csv' && values.format !== 'ru-dump') {
        throw new UsageError(`--format must be csv or ru-dump, got '${values.format ?? ''}'`);
      }
      const format: RegistryFormat = values.format;
      const list = checkListName(values.list ?? format);
      const path = resolve(ctx.cwd, file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        throw new BlockwatchError(
          'BW_ERR_NOT_FOUND',
          `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
      // Parse first: a bad file is rejected before anything is written.
      const entries = parseRegistry(bytes, format, file);
      const result =
        source.kind === 'server'
          ? await source.api.post<{ imported: number }>(
              '/api/v1/admin/registry/import',
              { bytes, type: 'application/octet-stream' },
              { probe_cc: cc, format, list },
            )
          : await withStore(source, (store) => importRegistry(store, cc, list, entries));
      if (values.json) writeJson(ctx.stdout, { ...result, list, probe_cc: cc });
      else ctx.stdout.write(`imported ${result.imported} entries into list '${list}' of ${cc}\n`);
      return 0;
    }
    if (action === 'compare') {
      if (file) throw new UsageError(`unexpected argument '${file}'`);
      const windowDays = intOption('window-days', values['window-days'], 30, 1, 3650);
      const report =
        source.kind === 'server'
          ? await source.api.get<RegistryComparison>('/api/v1/registry/compare', {
              probe_cc: cc,
              window_days: String(windowDays),
            })
          : await withStore(source, (store) => compareWithObservations(store, cc, windowDays), { catchUp: true });
      if (values.json) writeJson(ctx.stdout, report);
      else ctx.stdout.write(renderComparison(report, windowDays));
      return 0;
    }
    throw new UsageError(`unknown action '${action ?? ''}' (expected import or compare)`);
  },
});

function renderComparison(r: RegistryComparison, windowDays: number): string {
  const out = [
    `${r.cc}: ${r.listed.total} listed entries (${r.listed.url} URLs, ${r.listed.domain} domains, ${r.listed.ip} IP addresses); ${r.measured} of the URL/domain entries measured in the last ${windowDays} days`,
    `  listed and blocked:        ${r.listedBlocked.length}`,
    `  listed but reachable:      ${r.listedReachable.length}`,
    `  blocked but not listed:    ${r.blockedNotListed.length}`,
    '',
  ];
  if (r.listedReachable.length) {
    out.push('Listed but reachable (compliance gaps):');
    for (const f of r.listedReachable.slice(0, 50)) {
      out.push(
        `  ${f.target}  reachable on ${f.networksReachable.map((a) => `AS${a}`).join(', ')}${f.networksBlocked.length ? `; blocked on ${f.networksBlocked.map((a) => `AS${a}`).join(', ')}` : ''}`,
      );
    }
    out.push('');
  }
  if (r.blockedNotListed.length) {
    out.push('Blocked but not listed:');
    for (const b of r.blockedNotListed.slice(0, 50)) {
      out.push(
        `  ${b.input}  since ${day(b.sinceMs)} on ${b.networks.map((a) => `AS${a}`).join(', ')}  (${b.eventId})`,
      );
    }
    out.push('');
  }
  if (r.networks.length) {
    out.push('Per-network compliance (listed targets measured → blocked / reachable):');
    const rows = [['NETWORK', 'MEASURED', 'BLOCKED', 'REACHABLE', 'COMPLIANCE']];
    for (const n of r.networks) {
      rows.push([
        `AS${n.asn}`,
        String(n.listedMeasured),
        String(n.blocked),
        String(n.reachable),
        n.compliance === null ? '-' : `${Math.round(n.compliance * 100)}%`,
      ]);
    }
    out.push(table(rows));
  }
  return `${out.join('\n')}\n`;
}
