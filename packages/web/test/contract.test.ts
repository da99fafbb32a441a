/**
 * The API contract the UI is typed by, checked on real answers: `blockwatch import` seeds a real store with the
 * shared OONI measurements (many test names) and a stream in which a site becomes blocked (a real event), then
 * `blockwatch serve` answers every endpoint the UI reads. Each answer must match the response schema its
 * TypeScript type is derived from (`@blockwatch/server/api/responses.ts`): a key renamed, added or dropped on
 * either side fails here or in the type check. The event routes' answers are typed from the event module's own
 * types, so for them the keys the UI reads are checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as responses from '@blockwatch/server/api/responses.ts';
import { Ajv } from 'ajv';
import type {
  AggregationResponse,
  AggregationRowJson,
  CountriesResponse,
  EventDetailResponse,
  EventListResponse,
  HistoryResponse,
  MeasurementDetailResponse,
  MeasurementListResponse,
  RegistryCompareResponse,
} from '../src/api/types.ts';
import { eventStream, STREAM_CC, STREAM_HOST } from './helpers/event-stream.ts';
import { type RunningServer, removeDataDir, seedDataDir, startServe } from './helpers/serve.ts';

// Union types (`['string', 'null']`) are how the schemas say "nullable".
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });

describe('the API answers as its contract says', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    dataDir = seedDataDir(eventStream());
    server = await startServe(dataDir);
  });
  after(async () => {
    await server?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  async function get<T>(path: string): Promise<T> {
    const response = await fetch(`${server.url}/api/v1/${path}`);
    assert.equal(response.status, 200, `${path} answered ${response.status}: ${await response.clone().text()}`);
    return (await response.json()) as T;
  }

  async function check(path: string, schema: object): Promise<unknown> {
    const body = await get<unknown>(path);
    const validate = ajv.compile(schema);
    assert.ok(validate(body), `${path}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
    return body;
  }

  test('measurement lists, filtered by test name too', async () => {
    const all = (await check('measurements?limit=200', responses.MEASUREMENT_LIST_SCHEMA)) as MeasurementListResponse;
    const names = new Set(all.results.map((r) => r.test_name));
    assert.ok(names.size >= 2, `several test names in the seeded store, got ${[...names]}`);
    for (const name of ['web_connectivity', 'telegram']) {
      const page = (await check(
        `measurements?test_name=${name}&limit=5`,
        responses.MEASUREMENT_LIST_SCHEMA,
      )) as MeasurementListResponse;
      assert.ok(page.results.length > 0, `${name} measurements`);
      assert.ok(page.results.every((r) => r.test_name === name));
    }
  });

  test('one measurement: the summary, our verdict, OONI verdict and the record', async () => {
    const page = await get<MeasurementListResponse>('measurements?test_name=web_connectivity&anomaly=true&limit=1');
    const uid = page.results[0]!.measurement_uid;
    await check(`measurements/${encodeURIComponent(uid)}`, responses.MEASUREMENT_DETAIL_SCHEMA);
  });

  test("one telegram measurement carries its experiment's observations", async () => {
    const page = await get<MeasurementListResponse>('measurements?test_name=telegram&limit=1');
    const uid = page.results[0]!.measurement_uid;
    const detail = (await check(
      `measurements/${encodeURIComponent(uid)}`,
      responses.MEASUREMENT_DETAIL_SCHEMA,
    )) as MeasurementDetailResponse;
    assert.deepEqual(Object.keys(detail.observations).sort(), ['blocked_dcs', 'web_status']);
  });

  test('aggregations with no, one and two axes', async () => {
    await check('aggregation', responses.AGGREGATION_SCHEMA);
    await check('aggregation?axis_x=test_name', responses.AGGREGATION_SCHEMA);
    await check('aggregation?axis_x=measurement_start_day&axis_y=blocking_type', responses.AGGREGATION_SCHEMA);
    await check(`aggregation?probe_cc=${STREAM_CC}&axis_x=probe_asn&axis_y=test_name`, responses.AGGREGATION_SCHEMA);
    await check('aggregation?axis_x=domain&axis_y=category_code', responses.AGGREGATION_SCHEMA);
  });

  test('the summaries: overview, countries, networks, coverage', async () => {
    await check('overview', responses.OVERVIEW_SCHEMA);
    await check('countries', responses.COUNTRIES_SCHEMA);
    await check('countries?test_name=web_connectivity', responses.COUNTRIES_SCHEMA);
    await check(`networks?probe_cc=${STREAM_CC}`, responses.NETWORKS_SCHEMA);
    await check(`networks?probe_cc=${STREAM_CC}&test_name=web_connectivity`, responses.NETWORKS_SCHEMA);
    await check(`coverage?probe_cc=${STREAM_CC}`, responses.COVERAGE_SCHEMA);
  });

  test('the summaries narrowed to a test name count that test only, as the aggregation does', async () => {
    const countries = (await check('countries?test_name=telegram', responses.COUNTRIES_SCHEMA)) as CountriesResponse;
    const aggregation = await get<AggregationResponse>('aggregation?test_name=telegram&axis_x=probe_cc');
    const rows = aggregation.result as AggregationRowJson[];
    assert.ok(rows.length > 0, 'telegram measurements in the seeded store');
    assert.deepEqual(
      countries.results.map((r) => `${r.probe_cc}:${r.measurement_count}`).sort(),
      rows.map((r) => `${r.probe_cc}:${r.measurement_count}`).sort(),
    );
    assert.ok(!countries.results.some((r) => r.probe_cc === STREAM_CC), 'the stream country has no telegram test');
  });

  test('events, one event, history and the registry comparison carry what the UI reads', async () => {
    const list = await get<EventListResponse>(`events?probe_cc=${STREAM_CC}`);
    const event = list.results[0];
    assert.ok(event, 'the stream opened an event');
    assert.equal(typeof list.metadata.count, 'number');
    assert.equal(typeof event.onset.after.timeMs, 'number');
    assert.ok(event.networks.every((n) => typeof n.asn === 'number'));
    assert.equal(typeof event.summary, 'string');
    assert.equal(event.test_name, 'web_connectivity');
    assert.equal(event.service, null, 'a URL event names no service');
    const detail = await get<EventDetailResponse>(`events/${event.id}`);
    assert.ok(detail.evidence.length > 0);
    for (const e of detail.evidence) {
      assert.match(e.probe_asn, /^AS\d+$/);
      assert.ok(['onset_before', 'blocked', 'end_after'].includes(e.role));
      assert.ok(!Number.isNaN(Date.parse(e.measurement_start_time)));
    }
    const history = await get<HistoryResponse>(`history?probe_cc=${STREAM_CC}&domain=${STREAM_HOST}`);
    assert.equal(typeof history.answer, 'string');
    const segment = history.networks[0]?.segments[0];
    assert.ok(segment, 'a timeline segment');
    assert.equal(typeof segment.fromMs, 'number');
    assert.equal(typeof segment.last.id, 'string');
    assert.ok(Array.isArray(segment.evidence) && Array.isArray(segment.methods));
    const registry = await get<RegistryCompareResponse>(`registry/compare?probe_cc=${STREAM_CC}`);
    assert.equal(registry.cc, STREAM_CC);
    assert.ok(Array.isArray(registry.networks));
  });
});
