/**
 * Decoy follow-ups against a censor on loopback: a TCP relay in front of a real site that reads the first bytes of
 * each connection (the ClientHello, or the HTTP request head) and, when they name the blocked host, drops them
 * (the handshake stalls) or resets the connection, as an SNI or Host filter does. The decoy name passes.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import { type RunningServer, startFakeHelper, startSite } from '../../../test/helpers/probe-servers.ts';
import { createAsnLookup } from '../../geo/index.ts';
import type { Verdict } from '../../model/index.ts';
import { validateMeasurement } from '../../model/index.ts';
import { createAnalyzer } from '../../probe/analyzer.ts';
import { createReportId } from '../../probe/envelope.ts';
import { parseResolvePins } from '../../probe/resolve-pins.ts';
import { DECOY_NAME } from './followups.ts';
import { type MeasureOptions, measureUrl } from './measure.ts';

type Action = 'pass' | 'drop' | 'reset';

interface Censor {
  port: number;
  /** the first bytes of every connection, in arrival order */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A relay to `upstreamPort` on 127.0.0.1 that decides on each connection's first chunk. `decide` gets the chunk as
 * latin1 text and the connection's index among those naming the same host (0 for the first).
 */
async function startCensor(
  upstreamPort: number,
  decide: (firstBytes: string, index: number) => Action,
  hosts = ['127.0.0.1'],
  port = 0,
): Promise<Censor> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  for (const host of hosts) {
    const server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => {});
      client.once('data', (chunk) => {
        const text = chunk.toString('latin1');
        const index = seen.length;
        seen.push(text);
        const action = decide(text, index);
        if (action === 'reset') return client.resetAndDestroy();
        if (action === 'drop') return; // the bytes vanish: the client waits for an answer that never comes
        const upstream = createConnection(upstreamPort, '127.0.0.1');
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.write(chunk);
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

const BLOCKED = 'meduza.test';
const names = (c: Censor, name: string) => c.seen.filter((s) => s.includes(name)).length;

let pki: TestPki;
let https: RunningServer;
let plain: RunningServer;
let helper: Awaited<ReturnType<typeof startFakeHelper>>;
const asnOf = createAsnLookup();
const base = (): MeasureOptions => ({
  probe: { probe_cc: 'KZ', probe_asn: 'AS9198', probe_network_name: 'JSC Kazakhtelecom' },
  resolverIdentity: { ip: '127.0.0.53', asn: 'AS0', networkName: '' },
  reportId: createReportId({ nowMs: Date.UTC(2026, 0, 2, 3, 4, 5), cc: 'KZ', asn: 'AS9198' }),
  testStartMs: Date.UTC(2026, 0, 2, 3, 4, 5),
  timeoutMs: 4_000,
  tlsTimeoutMs: 800,
  ca: [pki.ca.certPem],
  helperUrl: helper.url,
  analyze: createAnalyzer({ asnOf }),
});

before(async () => {
  pki = await getTestPki();
  const cert = await pki.issue({ names: [BLOCKED] });
  https = await startSite({ tls: { key: cert.keyPem, cert: cert.chainPem } });
  plain = await startSite();
  helper = await startFakeHelper();
});
after(async () => {
  await https?.close();
  await plain?.close();
  await helper?.close();
});

async function measureThrough(censor: Censor, scheme: 'https' | 'http', extra: Partial<MeasureOptions> = {}) {
  const m = await measureUrl(`${scheme}://${BLOCKED}:${censor.port}/`, {
    ...base(),
    pins: parseResolvePins([`${BLOCKED}:${censor.port}:127.0.0.1`]),
    ...extra,
  });
  assert.deepEqual(validateMeasurement(m), { ok: true });
  return { m, tk: m.test_keys, verdict: m.test_keys.x_blockwatch_verdict as Verdict };
}

test('SNI black-holing: the decoy is answered, the real name stalls twice, so the verdict is tls and strong', async () => {
  const censor = await startCensor(https.port, (hello) => (hello.includes(BLOCKED) ? 'drop' : 'pass'));
  try {
    const { tk, verdict } = await measureThrough(censor, 'https');
    assert.equal(tk.tls_handshakes?.length, 1, 'the follow-up handshakes stay out of tls_handshakes');
    assert.equal(tk.tls_handshakes?.[0].failure, 'generic_timeout_error');
    const [f, ...more] = tk.x_sni_followups ?? [];
    assert.equal(more.length, 0);
    assert.deepEqual(
      { ...f, t0: 0, t: 0 },
      {
        address: `127.0.0.1:${censor.port}`,
        server_name: BLOCKED,
        decoy_server_name: DECOY_NAME,
        decoy_failure: null,
        retry_failure: 'generic_timeout_error',
        t0: 0,
        t: 0,
      },
    );
    assert.ok(f && f.t >= f.t0 && f.t0 >= (tk.tls_handshakes?.[0].t ?? 0));
    assert.equal(names(censor, DECOY_NAME), 1);
    // OONI's keys are OONI's: the fetch failed, the control's worked
    assert.equal(tk.blocking, 'http-failure');
    assert.equal(tk.accessible, false);
    assert.equal(verdict.outcome, 'blocked');
    assert.equal(verdict.method, 'tls');
    assert.equal(verdict.strength, 'strong');
    assert.match(
      verdict.explanation,
      new RegExp(
        `The TLS handshake with ${BLOCKED} to 127\\.0\\.0\\.1:${censor.port} timed out twice, while one with example\\.com to the same address was answered.*: the network filters by server name`,
      ),
    );
    // the follow-up's connections are not in network_events: the TCP step's connect and the GET's only
    assert.equal(tk.network_events?.filter((e) => e.operation === 'connect').length, 2);
  } finally {
    await censor.close();
  }
});

test('a reset on the SNI: the follow-up is recorded, the verdict stays strong', async () => {
  const censor = await startCensor(https.port, (hello) => (hello.includes(BLOCKED) ? 'reset' : 'pass'));
  try {
    const { tk, verdict } = await measureThrough(censor, 'https');
    assert.equal(tk.tls_handshakes?.[0].failure, 'connection_reset');
    assert.equal(tk.x_sni_followups?.length, 1);
    assert.equal(tk.x_sni_followups?.[0].decoy_failure, null);
    assert.equal(tk.x_sni_followups?.[0].retry_failure, 'connection_reset');
    assert.equal(verdict.method, 'tls');
    assert.equal(verdict.strength, 'strong');
    assert.match(verdict.explanation, /was reset twice, while one with example\.com .* was answered/);
  } finally {
    await censor.close();
  }
});

test('a first handshake lost once: the retry succeeds, and the failure is called transient, not blocking', async () => {
  // only the very first connection is dropped; the fetch, the decoy and the retry all pass
  const censor = await startCensor(https.port, (_hello, index) => (index === 0 ? 'drop' : 'pass'));
  try {
    const { tk, verdict } = await measureThrough(censor, 'https');
    assert.equal(tk.tls_handshakes?.[0].failure, 'generic_timeout_error');
    assert.equal(tk.x_sni_followups?.[0].decoy_failure, null);
    assert.equal(tk.x_sni_followups?.[0].retry_failure, null);
    assert.equal(tk.accessible, true); // the page came over HTTPS (OONI rule A)
    assert.equal(verdict.outcome, 'accessible');
    assert.ok(!verdict.methods.includes('tls'));
    assert.equal(verdict.layers.tls?.status, 'unknown');
    assert.match(verdict.explanation, /first failed with generic_timeout_error, then succeeded when retried/);
    assert.match(verdict.explanation, /the failure was transient, not blocking by server name/);
  } finally {
    await censor.close();
  }
});

test('an address that stalls every name: the decoy fails too, no retry, and the verdict stays weak', async () => {
  const censor = await startCensor(https.port, () => 'drop');
  try {
    const { tk, verdict } = await measureThrough(censor, 'https');
    const f = tk.x_sni_followups?.[0];
    assert.equal(f?.decoy_failure, 'generic_timeout_error');
    assert.ok(f && !('retry_failure' in f), 'no retry without an answer to the decoy');
    assert.equal(names(censor, DECOY_NAME), 1);
    assert.equal(verdict.method, 'tls');
    assert.equal(verdict.strength, 'weak');
    assert.match(
      verdict.explanation,
      /The TLS handshake with example\.com to the same address failed too \(generic_timeout_error\): the address itself is unreachable for TLS/,
    );
  } finally {
    await censor.close();
  }
});

test('no more than two endpoints get a follow-up', async () => {
  const first = await startCensor(https.port, (hello) => (hello.includes(BLOCKED) ? 'drop' : 'pass'));
  const hosts = ['127.0.0.2', '127.0.0.3'];
  const rest = await startCensor(https.port, (hello) => (hello.includes(BLOCKED) ? 'drop' : 'pass'), hosts, first.port);
  try {
    const { tk, verdict } = await measureThrough(first, 'https', {
      pins: parseResolvePins([`${BLOCKED}:${first.port}:127.0.0.1,127.0.0.2,127.0.0.3`]),
    });
    assert.equal(tk.tls_handshakes?.length, 3);
    assert.ok(tk.tls_handshakes?.every((h) => h.failure === 'generic_timeout_error'));
    assert.equal(tk.x_sni_followups?.length, 2);
    assert.equal(names(first, DECOY_NAME) + names(rest, DECOY_NAME), 2);
    assert.equal(verdict.strength, 'strong');
  } finally {
    await first.close();
    await rest.close();
  }
});

test('an IP-literal URL sends no SNI: no follow-up', async () => {
  const censor = await startCensor(https.port, () => 'drop');
  try {
    const m = await measureUrl(`https://127.0.0.1:${censor.port}/`, base());
    assert.equal(m.test_keys.tls_handshakes?.[0].failure, 'generic_timeout_error');
    assert.equal(m.test_keys.x_sni_followups, undefined);
  } finally {
    await censor.close();
  }
});

test('Host filtering on plain HTTP: a request with Host example.com is answered, the real one is reset again', async () => {
  const censor = await startCensor(plain.port, (head) =>
    head.toLowerCase().includes(`host: ${BLOCKED}`) ? 'reset' : 'pass',
  );
  try {
    const { tk, verdict } = await measureThrough(censor, 'http');
    assert.equal(tk.requests?.length, 1, 'the follow-up requests stay out of requests');
    assert.equal(tk.requests?.[0].failure, 'connection_reset');
    assert.equal(tk.x_sni_followups, undefined);
    const [f, ...more] = tk.x_host_followups ?? [];
    assert.equal(more.length, 0);
    assert.deepEqual(
      { ...f, t0: 0, t: 0 },
      {
        address: `127.0.0.1:${censor.port}`,
        host: `${BLOCKED}:${censor.port}`,
        decoy_host: `${DECOY_NAME}:${censor.port}`,
        decoy_failure: null,
        decoy_status_code: 200,
        retry_failure: 'connection_reset',
        t0: 0,
        t: 0,
      },
    );
    assert.equal(tk.blocking, 'http-failure');
    assert.equal(verdict.method, 'http_failure');
    assert.equal(verdict.strength, 'strong');
    assert.match(
      verdict.explanation,
      /The HTTP request with Host meduza\.test:\d+ to 127\.0\.0\.1:\d+ was reset twice, while one with example\.com:\d+ to the same address was answered.*: the network filters by Host header/,
    );
  } finally {
    await censor.close();
  }
});

test('a plain-HTTP request reset once: the retry is answered and nothing is called blocked', async () => {
  const censor = await startCensor(plain.port, (_head, index) => (index === 0 ? 'reset' : 'pass'));
  try {
    const { tk, verdict } = await measureThrough(censor, 'http');
    assert.equal(tk.requests?.[0].failure, 'connection_reset');
    assert.equal(tk.x_host_followups?.[0].retry_failure, null);
    assert.equal(tk.x_host_followups?.[0].retry_status_code, 200);
    assert.equal(tk.blocking, 'http-failure'); // OONI's keys do not change
    assert.equal(verdict.outcome, 'unknown');
    assert.deepEqual(verdict.methods, []);
    assert.match(
      verdict.explanation,
      /then succeeded when retried .*: the failure was transient, not blocking by Host header/,
    );
  } finally {
    await censor.close();
  }
});

test('a redirect to a host whose ClientHello is reset: that hop is followed up after the HTTP step, and named', async () => {
  const censor = await startCensor(https.port, (hello) => (hello.includes(BLOCKED) ? 'reset' : 'pass'));
  const redirector = await startSite({ redirectTo: `https://${BLOCKED}:${censor.port}/` });
  try {
    const m = await measureUrl(`http://short.test:${redirector.port}/`, {
      ...base(),
      pins: parseResolvePins([`short.test:${redirector.port}:127.0.0.1`, `${BLOCKED}:${censor.port}:127.0.0.1`]),
    });
    assert.deepEqual(validateMeasurement(m), { ok: true });
    const tk = m.test_keys;
    const verdict = tk.x_blockwatch_verdict as Verdict;
    assert.equal(tk.requests?.[0].x_failed_operation, 'tls_handshake');
    assert.equal(tk.tls_handshakes?.length ?? 0, 0, 'the first hop is plain HTTP: no handshake of its own');
    assert.equal(tk.x_sni_followups?.length, 1);
    const [f] = tk.x_sni_followups ?? [];
    assert.equal(f?.server_name, BLOCKED);
    assert.equal(f?.address, `127.0.0.1:${censor.port}`);
    assert.equal(f?.decoy_failure, null);
    assert.equal(f?.retry_failure, 'connection_reset');
    assert.equal(verdict.method, 'tls');
    assert.equal(verdict.strength, 'strong');
    assert.match(
      verdict.explanation,
      new RegExp(
        `The TLS handshake with ${BLOCKED}, a redirect hop of short\\.test, to 127\\.0\\.0\\.1:${censor.port} was reset twice`,
      ),
    );
  } finally {
    await redirector.close();
    await censor.close();
  }
});
