/**
 * `blockwatch events [list|rebuild]`: the detected blocking events, or a rebuild of all of them from the stored
 * measurements (after a change of detector). Listing from a local store first catches up on measurements stored
 * since the detector last ran, as `serve` does on start.
 */
import { defineCommand, intOption } from 'blockwatch/cli';
import { UsageError } from 'blockwatch/errors.ts';
import { BLOCKING_METHODS } from 'blockwatch/model';
import { ccOption, resolveSource, SOURCE_OPTIONS, table, withStore, writeJson } from '../events/cli-support.ts';
import { type EventFilter, listEvents } from '../events/event-store.ts';
import { createEventService, type RebuildProgress } from '../events/service.ts';
import { summarizeEvent } from '../events/summarize.ts';
import type { BlockingEvent } from '../events/types.ts';

export default defineCommand({
  name: 'events',
  summary: 'list or rebuild detected blocking events',
  usage: '[list|rebuild] [options]',
  details: `Examples:
  blockwatch events --cc KZ                       open and closed events in Kazakhstan, newest first
  blockwatch events list --cc RU --status open --json
  blockwatch events rebuild --data ./data         recompute every event from the stored measurements
  blockwatch events --server http://127.0.0.1:8080 --domain meduza.io`,
  positionals: true,
  options: {
    cc: { type: 'string', arg: 'CC', description: 'country code' },
    asn: { type: 'string', arg: 'ASN', description: 'network (AS9198 or 9198)' },
    domain: { type: 'string', arg: 'DOMAIN', description: 'target domain' },
    input: { type: 'string', arg: 'URL', description: 'target URL' },
    method: { type: 'string', arg: 'METHOD', description: `blocking method (${BLOCKING_METHODS.join(', ')})` },
    status: { type: 'string', arg: 'STATUS', description: 'open or closed' },
    limit: { type: 'string', arg: 'N', description: 'events to show (default 50, at most 1000)' },
    json: { type: 'boolean', description: 'print JSON' },
    ...SOURCE_OPTIONS,
  },
  async run({ values, positionals }, ctx) {
    const action = positionals[0] ?? 'list';
    if (!['list', 'rebuild'].includes(action) || positionals.length > 1) {
      throw new UsageError(`unknown action '${positionals.join(' ')}' (expected list or rebuild)`);
    }
    const source = resolveSource(values, ctx.env, ctx.cwd);
    if (action === 'rebuild') {
      let result: RebuildProgress;
      if (source.kind === 'server') {
        result = await source.api.post<RebuildProgress>('/api/v1/admin/events/rebuild');
      } else {
        result = await withStore(source, (store) =>
          createEventService(store).rebuild({
            signal: ctx.signal,
            onProgress: (p) => {
              if (ctx.stderr.isTTY)
                ctx.stderr.write(`\rrebuilding: ${p.measurements} measurements, ${p.events} events`);
            },
          }),
        );
        if (ctx.stderr.isTTY) ctx.stderr.write('\n');
      }
      if (values.json) writeJson(ctx.stdout, result);
      else ctx.stdout.write(`rebuilt ${result.events} events from ${result.measurements} measurements\n`);
      return 0;
    }
    const cc = ccOption(values.cc, false);
    if (values.status !== undefined && values.status !== 'open' && values.status !== 'closed') {
      throw new UsageError(`--status must be open or closed, got '${values.status}'`);
    }
    if (values.method !== undefined && !(BLOCKING_METHODS as readonly string[]).includes(values.method)) {
      throw new UsageError(`--method must be one of ${BLOCKING_METHODS.join(', ')}, got '${values.method}'`);
    }
    if (values.asn !== undefined && !/^(AS)?\d{1,10}$/i.test(values.asn)) {
      throw new UsageError(`--asn must look like AS9198 or 9198, got '${values.asn}'`);
    }
    const limit = intOption('limit', values.limit, 50, 1, 1000);
    let events: (BlockingEvent & { summary?: string })[];
    let total: number;
    if (source.kind === 'server') {
      const answer = await source.api.get<{ metadata: { count: number }; results: BlockingEvent[] }>('/api/v1/events', {
        probe_cc: cc,
        probe_asn: values.asn,
        domain: values.domain,
        input: values.input,
        method: values.method,
        status: values.status,
        limit: String(limit),
      });
      events = answer.results;
      total = answer.metadata.count;
    } else {
      const filter: EventFilter = {};
      if (cc) filter.probe_cc = cc;
      if (values.asn) filter.probe_asn = Number(values.asn.replace(/^AS/i, ''));
      if (values.domain) filter.domain = values.domain.toLowerCase();
      if (values.input) filter.input = values.input;
      if (values.method) filter.method = values.method;
      if (values.status) filter.status = values.status as 'open' | 'closed';
      ({ events, total } = await withStore(source, (store) => listEvents(store, filter, { limit, offset: 0 }), {
        catchUp: true,
      }));
    }
    if (values.json) {
      writeJson(ctx.stdout, { count: total, results: events.map((e) => ({ ...e, summary: summarizeEvent(e) })) });
      return 0;
    }
    if (events.length === 0) {
      ctx.stdout.write('no events match\n');
      return 0;
    }
    const rows = [['ID', 'STATUS', 'CC', 'CONF', 'URL', 'SUMMARY']];
    for (const e of events) rows.push([e.id, e.status, e.cc, e.confidence.toFixed(2), e.input, summarizeEvent(e)]);
    ctx.stdout.write(table(rows));
    if (total > events.length) ctx.stdout.write(`(${events.length} of ${total}; use --limit or filters)\n`);
    return 0;
  },
});
