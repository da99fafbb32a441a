/**
 * The cases the lab found wrong, restated as v0.4.3 measurements shaped as our probe writes them: a block page
 * that passes OONI's header heuristic (from a forged answer, or in place), a CDN CAPTCHA matching a false-positive
 * fingerprint, a loopback answer, a site refused everywhere, a TLS stall on a redirect hop. OONI's classic keys
 * must stay OONI's; our outcome, method and explanation must say what happened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFingerprintSet, parseFingerprintCsv } from './fingerprints.ts';
import { analyzeMeasurement } from './index.ts';

const HOST = 'meduza.example';
const SITE_IP = '93.184.216.34';
const ISP_BLOCKPAGE_IP = '95.59.170.80';
const ASN_OF: Record<string, number> = { [SITE_IP]: 15133, [ISP_BLOCKPAGE_IP]: 9198, '127.0.0.1': 0 };
const asnOf = (ip: string) => ASN_OF[ip] ?? null;

const SITE_PAGE = `<html><head><title>Meduza independent news</title></head><body>${'<p>article</p>'.repeat(250)}</body></html>`;
const BLOCK_PAGE = `<html><head><title>Страница заблокирована</title></head><body>${'<p>Доступ ограничен</p>'.repeat(30)}</body></html>`;
const CAPTCHA_PAGE = `<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing. ${'x'.repeat(300)}</body></html>`;
const COMMON_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  Server: 'nginx',
  Date: 'Wed, 25 Nov 2026 14:00:00 GMT',
};

interface Hop {
  url: string;
  address: string;
  failure?: string | null;
  code?: number;
  body?: string;
  headers?: Record<string, string>;
  x_failed_operation?: string;
  x_body_length?: number;
  t0?: number;
  t?: number;
}

interface Parts {
  url?: string;
  answers?: string[];
  tcp?: { ip: string; port: number; failure: string | null }[];
  /** newest first, as OONI writes them */
  hops?: Hop[];
  control?: Record<string, unknown>;
  tls?: { address: string; server_name: string; failure: string | null; depth?: number }[];
  /** extra lookups (redirect hops) after the input's own */
  queries?: { hostname: string; failure: string | null; answers?: string[]; depth?: number }[];
  /** the GET's own failure (our probe records a refused redirect here, not on the last response) */
  httpFailure?: string;
}

const controlFor = (url: string, overrides: Record<string, unknown> = {}) => {
  const port = url.startsWith('https') ? 443 : 80;
  return {
    dns: { failure: null, addrs: [SITE_IP] },
    tcp_connect: { [`${SITE_IP}:${port}`]: { status: true, failure: null } },
    http_request: {
      failure: null,
      status_code: 200,
      body_length: Buffer.byteLength(SITE_PAGE),
      title: 'Meduza independent news',
      headers: COMMON_HEADERS,
    },
    ip_info: { [SITE_IP]: { asn: 15133, flags: 11 } },
    ...overrides,
  };
};

function measurement(p: Parts) {
  const url = p.url ?? `http://${HOST}/`;
  const answers = p.answers ?? [SITE_IP];
  const port = url.startsWith('https') ? 443 : 80;
  return {
    input: url,
    test_name: 'web_connectivity',
    test_version: '0.4.3',
    probe_cc: 'KZ',
    probe_asn: 'AS9198',
    report_id: 'r1',
    test_keys: {
      queries: [
        {
          engine: 'system',
          hostname: new URL(url).hostname,
          query_type: 'ANY',
          failure: null,
          answers: answers.map((ip) => ({ answer_type: 'A', ipv4: ip, asn: ASN_OF[ip] ?? 0 })),
        },
        ...(p.queries ?? []).map((q) => ({
          engine: 'system',
          hostname: q.hostname,
          query_type: 'ANY',
          failure: q.failure,
          answers: (q.answers ?? []).map((ip) => ({ answer_type: 'A', ipv4: ip, asn: ASN_OF[ip] ?? 0 })),
          tags: [`depth=${q.depth ?? 1}`],
        })),
      ],
      tcp_connect: (p.tcp ?? answers.map((ip) => ({ ip, port, failure: null }))).map((c) => ({
        ip: c.ip,
        port: c.port,
        status: { success: c.failure === null, failure: c.failure },
      })),
      tls_handshakes: (p.tls ?? []).map((h) => ({
        address: h.address,
        server_name: h.server_name,
        failure: h.failure,
        tags: [`depth=${h.depth ?? 0}`],
      })),
      requests: (p.hops ?? []).map((h) => ({
        address: h.address,
        failure: h.failure ?? null,
        request: { url: h.url, method: 'GET', headers: {} },
        response:
          h.code === undefined
            ? null
            : {
                code: h.code,
                body: h.body ?? '',
                body_is_truncated: false,
                headers: h.headers ?? COMMON_HEADERS,
                ...(h.x_body_length !== undefined ? { x_body_length: h.x_body_length } : {}),
              },
        ...(h.x_failed_operation ? { x_failed_operation: h.x_failed_operation } : {}),
        ...(h.t0 !== undefined ? { t0: h.t0, t: h.t } : {}),
      })),
      control: p.control ?? controlFor(url),
      control_failure: null,
      http_experiment_failure: p.httpFailure ?? null,
    },
  };
}

test('a block page served from an answer in another AS is DNS blocking, although OONI calls it accessible', () => {
  const m = measurement({
    answers: [ISP_BLOCKPAGE_IP],
    hops: [{ url: `http://${HOST}/`, address: `${ISP_BLOCKPAGE_IP}:80`, code: 200, body: BLOCK_PAGE }],
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.classic.dns_consistency, 'inconsistent');
  assert.equal(v.classic.headers_match, true, 'only common headers: OONI calls them equal');
  assert.equal(v.blocking, false, "OONI's v0.4 keys stay OONI's");
  assert.equal(v.accessible, true);
  assert.equal(v.anomaly, false, 'fastpath: blocking is not a string and nothing confirms');
  assert.equal(v.outcome, 'blocked');
  assert.deepEqual(v.methods, ['dns']);
  assert.equal(v.layers.dns?.status, 'blocked');
  assert.equal(v.layers.http?.status, 'blocked');
  assert.match(v.explanation, /DNS answered 95\.59\.170\.80 in AS9198, which the control does not confirm/);
  assert.match(
    v.explanation,
    /the page served from 95\.59\.170\.80 differs from the control's \(title, \d+% of its length\)/,
  );
  assert.match(v.explanation, /OONI's classic algorithm calls this accessible because/);
});

test('the same page from an answer the control confirms stays accessible (the check can fail)', () => {
  const m = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 200, body: SITE_PAGE }],
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.outcome, 'accessible');
  assert.deepEqual(v.methods, []);
  // A CDN answer in another AS with the real page: different answers alone are not blocking.
  const cdn = measurement({
    answers: [ISP_BLOCKPAGE_IP],
    hops: [{ url: `http://${HOST}/`, address: `${ISP_BLOCKPAGE_IP}:80`, code: 200, body: SITE_PAGE }],
  });
  const c = analyzeMeasurement(cdn, { asnOf });
  assert.equal(c.outcome, 'accessible');
  assert.equal(c.layers.dns?.status, 'ok');
});

test('a block page in place of the page (same address, or after a redirect) is an HTTP block page', () => {
  const inPlace = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 200, body: BLOCK_PAGE }],
  });
  const v = analyzeMeasurement(inPlace, { asnOf });
  assert.equal(v.blocking, false);
  assert.equal(v.accessible, true);
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'http_blockpage');
  assert.equal(v.layers.http?.status, 'blocked');
  assert.equal(v.layers.dns?.status, 'ok');

  const redirected = measurement({
    hops: [
      {
        url: `http://${ISP_BLOCKPAGE_IP}/?blocked=${HOST}`,
        address: `${ISP_BLOCKPAGE_IP}:80`,
        code: 200,
        body: BLOCK_PAGE,
      },
      {
        url: `http://${HOST}/`,
        address: `${SITE_IP}:80`,
        code: 302,
        headers: { Location: `http://${ISP_BLOCKPAGE_IP}/?blocked=${HOST}` },
      },
    ],
  });
  const r = analyzeMeasurement(redirected, { asnOf });
  assert.equal(r.accessible, true);
  assert.equal(r.outcome, 'blocked');
  assert.equal(r.method, 'http_blockpage');
});

test('with an ISP-scope fingerprint the block page is confirmed and an anomaly, classic keys unchanged', () => {
  const fingerprints = createFingerprintSet(
    [],
    parseFingerprintCsv(
      'name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,source,exp_url,notes\n' +
        'test.kz_isp,isp,,body,contains,Доступ ограничен,,,test,,\n',
      'http',
    ),
  );
  const m = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 200, body: BLOCK_PAGE }],
  });
  const v = analyzeMeasurement(m, { asnOf, fingerprints });
  assert.equal(v.accessible, true);
  assert.equal(v.confirmed, true);
  assert.equal(v.anomaly, true);
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'http_blockpage');
});

test('a CDN challenge matching a false-positive fingerprint is restricted by the site, although OONI says http-diff', () => {
  const fingerprints = createFingerprintSet(
    [],
    parseFingerprintCsv(
      'name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,source,exp_url,notes\n' +
        'cp.fp_x_cloudflare_check,fp,,body,contains,Checking your browser before accessing,,,test,,\n',
      'http',
    ),
  );
  const m = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 403, body: CAPTCHA_PAGE }],
  });
  const v = analyzeMeasurement(m, { asnOf, fingerprints });
  assert.equal(v.blocking, 'http-diff', "OONI's classic keys stay");
  assert.equal(v.confirmed, false);
  assert.equal(v.outcome, 'down');
  assert.equal(v.site_fault?.kind, 'site_restriction');
  assert.deepEqual(v.methods, []);
  assert.equal(v.layers.http?.status, 'down');
  assert.match(v.explanation, /^Restricted by the site, not blocked by the network: /);
  assert.match(v.explanation, /the control got the page \(status 200\)/);
  assert.doesNotMatch(v.explanation, /matches the control's/);
  // Without fingerprints the challenge page's own marks still say Cloudflare.
  const bare = analyzeMeasurement(m, { asnOf });
  assert.equal(bare.site_fault?.by, 'Cloudflare');
  assert.deepEqual(bare.methods, []);
  // A censor's 403 with no CDN marks is still a different page.
  const censor = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 403, body: BLOCK_PAGE }],
  });
  const c = analyzeMeasurement(censor, { asnOf });
  assert.equal(c.method, 'http_blockpage');
  assert.equal(c.site_fault, undefined);
});

test("a CDN refusing the ISP's addresses (403/503 with its headers) is restricted by the site, over HTTP and HTTPS", () => {
  const cloudflare = { ...COMMON_HEADERS, Server: 'cloudflare', 'CF-RAY': '8f1c2a3b4c5d6e7f-ALA' };
  for (const url of [`http://${HOST}/`, `https://${HOST}/`]) {
    const port = url.startsWith('https') ? 443 : 80;
    const m = measurement({
      url,
      hops: [{ url, address: `${SITE_IP}:${port}`, code: 503, body: '<html>error</html>', headers: cloudflare }],
    });
    const v = analyzeMeasurement(m, { asnOf });
    assert.equal(v.outcome, 'down', url);
    assert.deepEqual(v.methods, [], url);
    assert.equal(v.site_fault?.kind, 'site_restriction');
    assert.equal(v.site_fault?.by, 'Cloudflare');
    assert.match(v.explanation, /status 503 with cf-ray: a Cloudflare challenge or refusal/);
    assert.doesNotMatch(v.explanation, /^The page/);
  }
  // The same headers on a 200 page are just the CDN serving the site.
  const ok = measurement({
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 200, body: SITE_PAGE, headers: cloudflare }],
  });
  assert.equal(analyzeMeasurement(ok, { asnOf }).outcome, 'accessible');
  // An article that mentions a challenge or a CDN is the page, not a restriction.
  const article = measurement({
    hops: [
      {
        url: `http://${HOST}/`,
        address: `${SITE_IP}:80`,
        code: 200,
        body: SITE_PAGE.replace('<p>article</p>', '<p>DDoS-Guard says: Checking your browser before accessing</p>'),
      },
    ],
  });
  assert.equal(analyzeMeasurement(article, { asnOf }).site_fault, undefined);
});

test('HTTP 451 is the site\'s legal restriction, and Link rel="blocked-by" says who', () => {
  const m = measurement({
    url: `https://${HOST}/`,
    hops: [
      {
        url: `https://${HOST}/`,
        address: `${SITE_IP}:443`,
        code: 451,
        body: '<html><title>Unavailable For Legal Reasons</title></html>',
        headers: { ...COMMON_HEADERS, Link: '<https://rightsholder.example/notice>; rel="blocked-by"' },
      },
    ],
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.outcome, 'down');
  assert.equal(v.site_fault?.kind, 'site_restriction');
  assert.equal(v.site_fault?.by, 'https://rightsholder.example/notice');
  assert.match(
    v.explanation,
    /status 451 \(unavailable for legal reasons\), blocked by https:\/\/rightsholder\.example\/notice/,
  );
});

const CONTROL_FAILED_FETCH = { failure: 'unknown_error', status_code: -1, body_length: -1, title: '', headers: {} };

test('a redirect with an invalid Location, or too many redirects, on both sides is a broken site', () => {
  const url = `http://${HOST}/`;
  const cases = [
    { failure: 'http_invalid_redirect_location_host', kind: 'broken_redirect', location: 'http:///nowhere' },
    { failure: 'unknown_failure: stopped after too many redirects', kind: 'redirect_limit', location: '/loop' },
  ];
  for (const c of cases) {
    const m = measurement({
      hops: [{ url, address: `${SITE_IP}:80`, code: 302, headers: { ...COMMON_HEADERS, Location: c.location } }],
      httpFailure: c.failure,
      control: controlFor(url, { http_request: CONTROL_FAILED_FETCH }),
    });
    const v = analyzeMeasurement(m, { asnOf });
    assert.equal(v.outcome, 'down', c.kind);
    assert.deepEqual(v.methods, [], c.kind);
    assert.equal(v.site_fault?.kind, c.kind);
    assert.equal(v.layers.http?.status, 'down');
    assert.equal(v.layers.http?.failure, c.failure);
    assert.match(v.explanation, /^The site is broken for everyone, not blocked: /);
    // Where the control fetched the page, the same failure points at the network, and the layer says so.
    const probeOnly = analyzeMeasurement(
      measurement({
        hops: [{ url, address: `${SITE_IP}:80`, code: 302, headers: { ...COMMON_HEADERS, Location: c.location } }],
        httpFailure: c.failure,
      }),
      { asnOf },
    );
    assert.equal(probeOnly.outcome, 'blocked', c.kind);
    assert.deepEqual(probeOnly.methods, ['http_failure']);
    assert.equal(probeOnly.layers.http?.status, 'blocked');
    assert.match(
      probeOnly.explanation,
      new RegExp(`Fetching the page failed with ${c.failure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  }
});

test("a certificate the control rejects the same way is a TLS misconfiguration, and the sentence cites the control's TLS result", () => {
  const url = `https://${HOST}/`;
  const m = measurement({
    url,
    tls: [{ address: `${SITE_IP}:443`, server_name: HOST, failure: 'ssl_invalid_hostname' }],
    hops: [{ url, address: `${SITE_IP}:443`, failure: 'ssl_invalid_hostname' }],
    control: controlFor(url, {
      tls_handshake: { [`${SITE_IP}:443`]: { server_name: HOST, status: false, failure: 'ssl_invalid_hostname' } },
      http_request: CONTROL_FAILED_FETCH,
    }),
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.outcome, 'down');
  assert.deepEqual(v.methods, []);
  assert.equal(v.site_fault?.kind, 'tls_misconfiguration');
  assert.equal(v.layers.tls?.status, 'down');
  assert.match(v.explanation, /the control's handshake with 93\.184\.216\.34:443 failed too \(ssl_invalid_hostname\)/);
  assert.doesNotMatch(v.explanation, /unknown_error/);
});

test("a site down at TCP names the control's TCP failure, not its fetch's", () => {
  const m = measurement({
    tcp: [{ ip: SITE_IP, port: 80, failure: 'generic_timeout_error' }],
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, failure: 'generic_timeout_error' }],
    control: controlFor(`http://${HOST}/`, {
      tcp_connect: { [`${SITE_IP}:80`]: { status: false, failure: 'generic_timeout_error' } },
      http_request: CONTROL_FAILED_FETCH,
    }),
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.outcome, 'down');
  assert.match(v.explanation, /the control could not connect either \(generic_timeout_error\)/);
  assert.doesNotMatch(v.explanation, /unknown_error/);
});

test('a redirect hop whose lookup fails is DNS blocking of that hop, and the sentence names it', () => {
  const url = 'http://bit.example/x';
  const m = measurement({
    url,
    queries: [{ hostname: 'azattyq.example', failure: 'dns_nxdomain_error' }],
    hops: [
      { url: 'https://azattyq.example/', address: '', failure: 'dns_nxdomain_error', x_failed_operation: 'resolve' },
      { url, address: `${SITE_IP}:80`, code: 301, headers: { Location: 'https://azattyq.example/' } },
    ],
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.outcome, 'blocked');
  assert.deepEqual(v.methods, ['dns']);
  assert.equal(v.layers.dns?.status, 'blocked');
  assert.match(
    v.explanation,
    /The DNS lookup of azattyq\.example, a redirect hop of bit\.example, failed with dns_nxdomain_error while the control fetched the page; bit\.example itself resolved to 93\.184\.216\.34, as for the control/,
  );
  assert.doesNotMatch(v.explanation, /does not confirm/);
});

test('a TLS reset on an https hop to another host with a failed handshake record is TLS, not an HTTP failure', () => {
  const url = 'http://go.short.example/a1';
  const m = measurement({
    url,
    tls: [{ address: `${SITE_IP}:443`, server_name: 'azattyq.example', failure: 'connection_reset', depth: 1 }],
    hops: [
      { url: 'https://azattyq.example/', address: `${SITE_IP}:443`, failure: 'connection_reset' },
      { url, address: `${SITE_IP}:80`, code: 302, headers: { Location: 'https://azattyq.example/' } },
    ],
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.deepEqual(v.methods, ['tls']);
});

test('a lookup with no answer is not an ok DNS layer', () => {
  const m = measurement({ answers: [], tcp: [], hops: [] });
  const v = analyzeMeasurement(m, { asnOf });
  assert.notEqual(v.layers.dns?.status, 'ok');
  assert.equal(v.layers.dns?.failure, 'dns_no_answer');
});

test('a loopback answer is DNS blocking; OONI has no fetch to judge and gives null', () => {
  const m = measurement({ answers: ['127.0.0.1'], tcp: [], hops: [] });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.blocking, null);
  assert.equal(v.accessible, null);
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'dns');
  assert.match(v.explanation, /127\.0\.0\.1, a private or reserved \(bogon\) address/);
  assert.match(v.explanation, /OONI's classic algorithm gives no verdict/);
});

test('refused at the address where the control is refused too is down, although v0.4 says tcp_ip', () => {
  const m = measurement({
    tcp: [{ ip: SITE_IP, port: 80, failure: 'connection_refused' }],
    hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, failure: 'connection_refused' }],
    control: controlFor(`http://${HOST}/`, {
      tcp_connect: { [`${SITE_IP}:80`]: { status: false, failure: 'connection_refused_error' } },
      http_request: { failure: 'connection_refused_error', status_code: -1, body_length: -1, title: '', headers: {} },
    }),
  });
  const v = analyzeMeasurement(m, { asnOf });
  assert.equal(v.blocking, 'tcp_ip', "v0.4's step E");
  assert.equal(v.accessible, false);
  assert.equal(v.anomaly, true, 'fastpath: blocking is a string');
  assert.equal(v.outcome, 'down');
  assert.deepEqual(v.methods, []);
  assert.equal(v.layers.tcp?.status, 'down');
  assert.match(v.explanation, /the control failed the same way, so it is down/);
});

test('a TLS stall on a redirect hop is TLS blocking, from the recorded step or inferred', () => {
  const hops = (recorded: boolean): Hop[] => [
    {
      url: 'https://azattyq.example/',
      address: `${SITE_IP}:443`,
      failure: 'generic_timeout_error',
      ...(recorded ? { x_failed_operation: 'tls_handshake' } : {}),
    },
    {
      url: 'http://go.short.example/a1',
      address: `${SITE_IP}:80`,
      code: 302,
      headers: { Location: 'https://azattyq.example/' },
    },
  ];
  for (const recorded of [true, false]) {
    const m = measurement({ url: 'http://go.short.example/a1', hops: hops(recorded) });
    const v = analyzeMeasurement(m, { asnOf });
    assert.equal(v.blocking, 'http-failure');
    assert.equal(v.method, 'tls', `recorded=${recorded}`);
    assert.equal(v.outcome, 'blocked');
    assert.match(v.explanation, /The HTTPS fetch of azattyq\.example failed with generic_timeout_error/);
  }
  // A stall after the handshake (the response never came) stays an HTTP failure.
  const m = measurement({ url: 'http://go.short.example/a1', hops: hops(true) });
  (m.test_keys.requests[0] as Record<string, unknown>).x_failed_operation = 'http_round_trip';
  assert.equal(analyzeMeasurement(m, { asnOf }).method, 'http_failure');
});

test('a blocked verdict says how much its evidence proves: a forged answer is certain, a timeout weak', () => {
  const bogon = analyzeMeasurement(measurement({ answers: ['127.0.0.1'], tcp: [], hops: [] }), { asnOf });
  assert.equal(bogon.strength, 'certain');
  const forgedPage = analyzeMeasurement(
    measurement({
      answers: [ISP_BLOCKPAGE_IP],
      hops: [{ url: `http://${HOST}/`, address: `${ISP_BLOCKPAGE_IP}:80`, code: 200, body: BLOCK_PAGE }],
    }),
    { asnOf },
  );
  assert.equal(forgedPage.strength, 'strong');
  const reset = analyzeMeasurement(
    measurement({ hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, failure: 'connection_reset' }] }),
    { asnOf },
  );
  assert.deepEqual(reset.methods, ['http_failure']);
  assert.equal(reset.strength, 'strong');
  const timeout = analyzeMeasurement(
    measurement({ hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, failure: 'generic_timeout_error' }] }),
    { asnOf },
  );
  assert.deepEqual(timeout.methods, ['http_failure']);
  assert.equal(timeout.strength, 'weak');
  const accessible = analyzeMeasurement(
    measurement({ hops: [{ url: `http://${HOST}/`, address: `${SITE_IP}:80`, code: 200, body: SITE_PAGE }] }),
    { asnOf },
  );
  assert.equal(accessible.strength, undefined);
});

test('a body that stalls after it began, where the control read it all, is throttling with the rate reached', () => {
  const url = `http://${HOST}/`;
  const stalled = (failure: string, read: number) =>
    measurement({
      hops: [
        {
          url,
          address: `${SITE_IP}:80`,
          code: 200,
          body: SITE_PAGE.slice(0, 1000),
          failure,
          x_failed_operation: 'read',
          x_body_length: read,
          t0: 0.5,
          t: 30.5,
        },
      ],
      control: controlFor(url, {
        http_request: { failure: null, status_code: 200, body_length: 4_194_304, title: 'Meduza', headers: {} },
      }),
    });
  const v = analyzeMeasurement(stalled('generic_timeout_error', 240_000), { asnOf });
  assert.equal(v.outcome, 'blocked');
  assert.deepEqual(v.methods, ['throttling']);
  assert.equal(v.layers.http?.status, 'blocked');
  assert.match(v.explanation, /stalled after 240000 of 4194304 bytes \(64 kbit\/s\)/);
  assert.match(v.explanation, /throttling/);
  // A reset mid-body is not a slow transfer.
  assert.deepEqual(analyzeMeasurement(stalled('connection_reset', 240_000), { asnOf }).methods, ['http_failure']);
});

test("OONI's network_events give a stalled hop's bytes and the rate over its reads, not over its idle wait", () => {
  const url = `http://${HOST}/`;
  const m = measurement({
    hops: [
      {
        url,
        address: `${SITE_IP}:80`,
        code: 200,
        body: SITE_PAGE.slice(0, 1000),
        failure: 'generic_timeout_error',
        t0: 0.5,
        t: 30.5,
      },
    ],
    control: controlFor(url, {
      http_request: { failure: null, status_code: 200, body_length: 4_194_304, title: 'Meduza', headers: {} },
    }),
  });
  const keys = m.test_keys as Record<string, unknown>;
  (keys.requests as Record<string, unknown>[])[0]!.transaction_id = 7;
  // 40 reads of 3 000 bytes from 1.0 s to 4.9 s (about 246 kbit/s), then nothing until the 30 s timeout
  keys.network_events = [
    { operation: 'connect', address: `${SITE_IP}:80`, proto: 'tcp', failure: null, t: 0.6, transaction_id: 7 },
    ...Array.from({ length: 40 }, (_, i) => ({
      operation: 'read',
      num_bytes: 3000,
      failure: null,
      t: 1 + i * 0.1,
      transaction_id: 7,
    })),
    { operation: 'read', failure: 'generic_timeout_error', t: 30.5, transaction_id: 7 },
  ];
  const v = analyzeMeasurement(m, { asnOf });
  assert.deepEqual(v.methods, ['throttling']);
  assert.match(v.explanation, /stalled after 120000 of 4194304 bytes \(246 kbit\/s, last byte at 4\.9 s\)/);
});

test('a complete transfer far slower than the same site on other networks is throttling, with both rates', () => {
  const url = `http://${HOST}/`;
  const page = `<html><head><title>Meduza independent news</title></head><body>${'y'.repeat(400_000)}</body></html>`;
  const m = (seconds: number) =>
    measurement({
      hops: [{ url, address: `${SITE_IP}:80`, code: 200, body: page, t0: 0.5, t: 0.5 + seconds }],
      control: controlFor(url, {
        http_request: {
          failure: null,
          status_code: 200,
          body_length: page.length,
          title: 'Meduza independent news',
          headers: COMMON_HEADERS,
        },
      }),
    });
  const baseline = { peerKbps: 8000, networks: 3 };
  const slow = analyzeMeasurement(m(40), { asnOf, transferBaseline: baseline });
  assert.equal(slow.outcome, 'blocked');
  assert.deepEqual(slow.methods, ['throttling']);
  assert.equal(slow.layers.http?.status, 'blocked');
  assert.match(
    slow.explanation,
    /arrived whole, but at 80 kbit\/s, 100× slower than the same site on 3 other networks \(median 8000 kbit\/s\)/,
  );
  // Without a baseline, or at a rate within the peers' range, the page is accessible.
  assert.equal(analyzeMeasurement(m(40), { asnOf }).outcome, 'accessible');
  assert.equal(analyzeMeasurement(m(1), { asnOf, transferBaseline: baseline }).outcome, 'accessible');
});
