import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebConnectivityMeasurement } from '../model/index.ts';
import { createScrubber, SCRUBBED } from './scrub.ts';

test('own addresses are replaced in text, with boundaries respected', () => {
  const s = createScrubber(['10.0.0.1', '2001:db8::7']);
  assert.equal(s.text('from 10.0.0.1.'), `from ${SCRUBBED}.`);
  assert.equal(s.text('10.0.0.10 110.0.0.1 10.0.0.1:443'), `10.0.0.10 110.0.0.1 ${SCRUBBED}:443`);
  assert.equal(s.text('[2001:db8::7]:80 and 2001:DB8:0:0:0:0:0:7'), `[${SCRUBBED}]:80 and ${SCRUBBED}`);
  assert.equal(s.text('2001:db8::70'), '2001:db8::70');
  assert.equal(createScrubber([]).text('10.0.0.1'), '10.0.0.1');
});

test('a measurement is scrubbed everywhere, server addresses are kept, probe_ip is 127.0.0.1', () => {
  const own = '203.0.113.9';
  const cert = Buffer.from(`DER...${own}...`).toString('base64');
  const cleanCert = Buffer.from('DER...clean').toString('base64');
  const m = {
    probe_ip: own,
    input: 'http://site.test/',
    test_keys: {
      queries: [{ answers: [{ answer_type: 'A', ipv4: '198.51.100.1', ttl: null }], failure: null }],
      tcp_connect: [{ ip: '198.51.100.1', port: 443, status: { success: true, failure: null } }],
      tls_handshakes: [
        {
          peer_certificates: [
            { format: 'base64', data: cert },
            { format: 'base64', data: cleanCert },
          ],
          failure: null,
        },
      ],
      requests: [
        {
          failure: `unknown_failure: read tcp ${own}:5555->198.51.100.1:443`,
          response: {
            headers: { 'X-Client-Ip': own },
            headers_list: [['X-Client-Ip', own]],
            body: { format: 'base64', data: Buffer.from(`<p>your address is ${own}</p>\u0000`).toString('base64') },
          },
        },
      ],
    },
  } as unknown as WebConnectivityMeasurement;
  const out = createScrubber([own, '198.51.100.1'], ['198.51.100.1']).measurement(m);
  const text = JSON.stringify(out);
  assert.ok(!text.includes(own), text);
  assert.equal(out.probe_ip, '127.0.0.1');
  assert.ok(text.includes('198.51.100.1'), 'the server address is not the probe');
  const tk = out.test_keys;
  const certs = tk.tls_handshakes?.[0].peer_certificates ?? [];
  assert.equal(certs[0], SCRUBBED);
  assert.deepEqual(certs[1], { format: 'base64', data: cleanCert });
  const response = tk.requests?.[0].response;
  assert.ok(response);
  assert.equal(response.headers['X-Client-Ip'], SCRUBBED);
  assert.equal(
    Buffer.from((response.body as { data: string }).data, 'base64').toString('latin1'),
    `<p>your address is ${SCRUBBED}</p>\u0000`,
  );
  assert.match(String(tk.requests?.[0].failure), /\[scrubbed\]:5555->198\.51\.100\.1:443/);
  // the input was not modified
  assert.equal(m.probe_ip, own);
});
