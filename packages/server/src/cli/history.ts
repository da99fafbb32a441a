/**
 * `blockwatch history URL --cc CC`: since when is this URL blocked in that country, network by network. A
 * messaging service (telegram, whatsapp, signal) is named by its test instead of a URL.
 */
import { defineCommand } from 'blockwatch/cli';
import { UsageError } from 'blockwatch/errors.ts';
import { ccOption, resolveSource, SOURCE_OPTIONS, table, withStore, writeJson } from '../events/cli-support.ts';
import { listEvents, readTargetObservations } from '../events/event-store.ts';
import { buildHistory, type History } from '../events/history.ts';
import { isSubjectInput } from '../events/subject.ts';
import { METHOD_LABELS } from '../events/summarize.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export default defineCommand({
  name: 'history',
  summary: 'show since when a URL or a messaging service is blocked in a country',
  usage: 'URL|SERVICE --cc CC [options]',
  details: `Prints the one-sentence answer ("Blocked in KZ since 2024-03-01 between 06:00 and 10:00 UTC on 3 of 3
networks (TLS)") and each network's timeline of states with its measurement counts.
Examples:
  blockwatch history https://meduza.io/ --cc KZ
  blockwatch history --domain meduza.io --cc KZ --json
  blockwatch history telegram --cc RU      (a service: telegram, whatsapp or signal)`,
  positionals: true,
  options: {
    cc: { type: 'string', arg: 'CC', description: 'country code (required)' },
    domain: { type: 'string', arg: 'DOMAIN', description: 'every URL of a domain instead of one URL' },
    json: { type: 'boolean', description: 'print JSON' },
    ...SOURCE_OPTIONS,
  },
  async run({ values, positionals }, ctx) {
    const cc = ccOption(values.cc, true)!;
    if (positionals.length > 1) throw new UsageError('give one URL or service');
    const input = positionals[0];
    if (!input === !values.domain) throw new UsageError('give either a URL, a service or --domain');
    if (input && !isSubjectInput(input))
      throw new UsageError(`'${input}' is neither an http(s) URL nor a service (telegram, whatsapp, signal)`);
    const target = input ? { cc, input } : { cc, domain: values.domain!.toLowerCase() };
    const source = resolveSource(values, ctx.env, ctx.cwd);
    let history: History;
    if (source.kind === 'server') {
      history = await source.api.get<History>('/api/v1/history', { probe_cc: cc, input, domain: target.domain });
    } else {
      history = await withStore(
        source,
        async (store) => {
          const observations = await readTargetObservations(store, target);
          const { events } = await listEvents(
            store,
            { probe_cc: cc, ...(input ? { input } : { domain: target.domain }) },
            { limit: 1000, offset: 0 },
          );
          return buildHistory(target, observations, events);
        },
        { catchUp: true },
      );
    }
    if (values.json) {
      writeJson(ctx.stdout, history);
      return 0;
    }
    ctx.stdout.write(`${history.answer}\n`);
    for (const n of history.networks) {
      ctx.stdout.write(`\nAS${n.asn} — now ${n.current}, ${n.measurements} measurements\n`);
      const rows = [['FROM', 'TO', 'STATE', 'ACC', 'BLK', 'DOWN', 'UNK', 'METHODS']];
      for (const s of n.segments) {
        rows.push([
          day(s.fromMs),
          day(s.toMs),
          s.state,
          String(s.counts.accessible),
          String(s.counts.blocked),
          String(s.counts.down),
          String(s.counts.unknown),
          s.methods.map((m) => METHOD_LABELS[m] ?? m).join(', '),
        ]);
      }
      ctx.stdout.write(table(rows));
    }
    return 0;
  },
});
