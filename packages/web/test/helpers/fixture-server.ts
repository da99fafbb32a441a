/**
 * A stand-in for `blockwatch serve` while developing the UI: serves `dist/` with the same SPA fallback and CSP,
 * and answers the API with canned data built from the given measurements. Not used by the final tests, which
 * run against the real server; kept for UI work without a database (`node --import tsx fixture-server.ts`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WEB_DIR } from './paths.ts';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

// biome-ignore lint/suspicious/noExplicitAny: canned JSON
type M = Record<string, any>;

export async function startFixtureServer(measurements: M[]): Promise<{ url: string; close: () => Promise<void> }> {
  const rows = measurements.map((m, i) => {
    const blocked = i % 2 === 0;
    const input = String(m.input ?? '');
    let domain = '';
    try {
      domain = new URL(input).hostname;
    } catch {}
    return {
      measurement_uid: `fixture-${i}`,
      report_id: m.report_id,
      input,
      domain,
      probe_cc: m.probe_cc,
      probe_asn: Number(String(m.probe_asn).slice(2)),
      probe_network_name: m.probe_network_name,
      test_name: m.test_name,
      measurement_start_time: `${String(m.measurement_start_time).replace(' ', 'T')}Z`,
      anomaly: blocked,
      confirmed: blocked && i % 4 === 0,
      failure: false,
      outcome: blocked ? 'blocked' : 'accessible',
      blocking_type: blocked ? 'http_blockpage' : '',
    };
  });
  const verdictOf = (i: number) => ({
    engine: 'classic-0.4',
    blocking: i % 2 === 0 ? 'http-diff' : false,
    accessible: i % 2 !== 0,
    outcome: rows[i]!.outcome,
    anomaly: rows[i]!.anomaly,
    confirmed: rows[i]!.confirmed,
    failure: false,
    method: i % 2 === 0 ? 'http_blockpage' : null,
    methods: i % 2 === 0 ? ['http_blockpage'] : [],
    fingerprints: [],
    layers: {
      dns: { status: 'ok', evidence: ['answer consistent'] },
      http: {
        status: 'blocked',
        evidence: [`title ${measurements[i]?.test_keys?.requests?.[0]?.response?.x_title ?? ''}`],
      },
    },
    classic: {},
    explanation: `Blocked by a block page: the title was ${measurements[i]?.test_keys?.requests?.[0]?.response?.x_title ?? '?'}.`,
  });
  const days = ['2024-01-01', '2024-01-02', '2024-01-03'];
  const agg = (axes: string[]) => {
    const out: M[] = [];
    const values: Record<string, string[]> = {
      measurement_start_day: days,
      probe_cc: [...new Set(rows.map((r) => r.probe_cc))],
      probe_asn: [...new Set(rows.map((r) => String(r.probe_asn)))],
      domain: [...new Set(rows.map((r) => r.domain))],
      input: [...new Set(rows.map((r) => r.input))],
      category_code: ['NEWS', 'GRP'],
      blocking_type: ['', 'dns', 'http_blockpage'],
      test_name: ['web_connectivity'],
    };
    const combos: M[] = [{}];
    for (const axis of axes) {
      const next: M[] = [];
      for (const c of combos) for (const v of values[axis] ?? ['']) next.push({ ...c, [axis]: v });
      combos.splice(0, combos.length, ...next);
    }
    combos.forEach((c, i) => {
      out.push({
        ...c,
        anomaly_count: i % 3,
        confirmed_count: i % 2,
        failure_count: 1,
        ok_count: 5 + i,
        measurement_count: 7 + i + (i % 3) + (i % 2),
      });
    });
    return out;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    const url = new URL(req.url ?? '/', 'http://x');
    const q = Object.fromEntries(url.searchParams);
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (path === '/api/v1/overview')
        return json(res, 200, {
          totals: {
            measurement_count: rows.length,
            countries: 2,
            networks: 2,
            anomaly_count: 1,
            confirmed_count: 1,
            failure_count: 0,
          },
          most_blocking: [
            {
              probe_cc: 'ZW',
              measurement_count: 40,
              anomaly_count: 10,
              confirmed_count: 5,
              failure_count: 2,
              ok_count: 23,
            },
          ],
          coverage: days.map((d, i) => ({ day: d, measurement_count: 10 + i })),
        });
      if (path === '/api/v1/countries')
        return json(res, 200, [
          {
            probe_cc: 'ZW',
            measurement_count: 40,
            anomaly_count: 10,
            confirmed_count: 5,
            failure_count: 2,
            networks: 2,
          },
          { probe_cc: 'IR', measurement_count: 0, networks: 1 },
        ]);
      if (path === '/api/v1/networks')
        return json(
          res,
          200,
          [...new Set(rows.map((r) => r.probe_asn))].map((asn) => ({
            probe_asn: asn,
            probe_network_name: rows.find((r) => r.probe_asn === asn)?.probe_network_name,
            measurement_count: 12,
            anomaly_count: 3,
            confirmed_count: 1,
            failure_count: 1,
          })),
        );
      if (path === '/api/v1/coverage')
        return json(
          res,
          200,
          days.map((d, i) => ({ day: d, measurement_count: 3 + i })),
        );
      if (path === '/api/v1/aggregation')
        return json(res, 200, { result: agg([q.axis_x, q.axis_y].filter(Boolean) as string[]) });
      if (path === '/api/v1/measurements') {
        let list = rows;
        if (q.probe_cc) list = list.filter((r) => r.probe_cc === q.probe_cc);
        if (q.anomaly === 'true') list = list.filter((r) => r.anomaly);
        return json(res, 200, { metadata: { count: list.length }, results: list });
      }
      const m = /^\/api\/v1\/measurements\/fixture-(\d+)$/.exec(path);
      if (m && measurements[Number(m[1])]) {
        const i = Number(m[1]);
        return json(res, 200, {
          ...rows[i],
          verdict: verdictOf(i),
          ooni: { blocking: 'http-diff', accessible: false },
          raw: measurements[i],
        });
      }
      if (path === '/api/v1/events')
        return json(res, 200, {
          results: [
            {
              id: 'ev1',
              probe_cc: rows[0]!.probe_cc,
              probe_asns: [rows[0]!.probe_asn],
              input: rows[0]!.input,
              methods: ['http_blockpage'],
              status: 'open',
              onset: { from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z' },
              evidence: ['fixture-0'],
            },
          ],
        });
      if (path === '/api/v1/events/ev1')
        return json(res, 200, {
          id: 'ev1',
          probe_cc: rows[0]!.probe_cc,
          probe_asns: [rows[0]!.probe_asn],
          input: rows[0]!.input,
          methods: ['http_blockpage'],
          status: 'open',
          summary: 'Blocked since 2024-01-02 on 1 of 1 networks.',
          evidence: ['fixture-0'],
        });
      if (path === '/api/v1/history')
        return json(res, 200, {
          sentence: `Blocked in ${q.probe_cc ?? 'all countries'} since 2024-01-02 on 1 of 2 networks (HTTP block page).`,
          networks: [...new Set(rows.map((r) => r.probe_asn))].map((asn) => ({
            probe_asn: asn,
            network_name: 'Net',
            points: days.map((d, i) => ({
              time: d,
              outcome: i ? 'blocked' : 'accessible',
              measurement_uid: 'fixture-0',
            })),
          })),
        });
      if (path === '/api/v1/registry/compare')
        return json(res, 200, {
          probe_cc: q.probe_cc,
          listed_and_blocked: [{ target: rows[0]!.input, listed_since: '2023-01-01', authority: 'court' }],
          listed_but_reachable: [],
          blocked_not_listed: [{ target: 'https://www.facebook.com/', first_blocked: '2024-01-01' }],
        });
      return json(res, 404, { statusCode: 404, error: 'Not Found', message: `Route ${req.method}:${path} not found` });
    }
    const dist = join(WEB_DIR, 'dist');
    const file = normalize(join(dist, path));
    const target =
      file.startsWith(dist) && existsSync(file) && statSync(file).isFile() ? file : join(dist, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
    res.end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { hostileMeasurements } = await import('./hostile.ts');
  const real = JSON.parse(
    readFileSync(
      `${WEB_DIR}../../../shared/data/ooni/measurements/backend-fastpath__web_connectivity_ir_fp.json`,
      'utf8',
    ),
  );
  const server = await startFixtureServer([...(await hostileMeasurements()), real]);
  console.log(server.url);
}
