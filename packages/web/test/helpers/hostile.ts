/**
 * Measurements whose measured fields carry script-injection payloads: page titles, bodies, headers, DNS names,
 * failure strings, network names, the URL itself and certificate fields. A UI that renders any of them as HTML
 * sets `window.__pwned` or opens an alert; the browser test asserts neither happens.
 * Built from a real OONI web_connectivity measurement so every other field stays realistic.
 */
import '@abraham/reflection';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { OONI_MEASUREMENTS } from './paths.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const PWN = 'window.__pwned=1';
export const PAYLOADS = {
  script: `<script>${PWN}</script>`,
  img: `"><img src=x onerror="${PWN};alert(1)">`,
  svg: `<svg onload="${PWN}">`,
  js: `javascript:${PWN}`,
  rich: '{a|b}{b|c}',
  formula: '=HYPERLINK("http://127.0.0.1/x","click")',
};
export const HOSTILE_DOMAIN = 'hostile.test';
export const HOSTILE_INPUT = `https://${HOSTILE_DOMAIN}/${PAYLOADS.img}`;
export const HOSTILE_CC = 'ZW';
export const HOSTILE_ASN = 'AS64512';

async function hostileCertificate(): Promise<string> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${PAYLOADS.script.replace(/[,=+]/g, ' ')}, O=Interception ${PAYLOADS.svg.replace(/[,=+"]/g, ' ')}`,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
    keys: keys as CryptoKeyPair,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: `${HOSTILE_DOMAIN}` }])],
  });
  return Buffer.from(cert.rawData).toString('base64');
}

/** Two hostile measurements (one blocked by a block page, one accessible), as OONI JSON objects. */
export async function hostileMeasurements(): Promise<Record<string, unknown>[]> {
  const base = JSON.parse(
    readFileSync(`${OONI_MEASUREMENTS}backend-fastpath__web_connectivity_ir_fp.json`, 'utf8'),
    // biome-ignore lint/suspicious/noExplicitAny: a JSON fixture edited field by field
  ) as Record<string, any>;
  const der = await hostileCertificate();
  const body = `<html><head><title>${PAYLOADS.script}</title></head><body>${PAYLOADS.img}${PAYLOADS.svg}<script>alert(1)</script>${PAYLOADS.rich}</body></html>`;
  const make = (index: number, time: string) => {
    const m = structuredClone(base);
    delete m.measurement_uid;
    m.input = HOSTILE_INPUT;
    m.probe_cc = HOSTILE_CC;
    m.probe_asn = HOSTILE_ASN;
    m.probe_network_name = `${PAYLOADS.script} ${PAYLOADS.formula}`;
    m.report_id = `20240101T000000Z_webconnectivity_${HOSTILE_CC}_64512_n1_hostile${index}`;
    m.measurement_start_time = time;
    m.test_start_time = time;
    const tk = m.test_keys;
    tk.queries = [
      {
        hostname: HOSTILE_DOMAIN,
        query_type: 'A',
        engine: 'system',
        resolver_address: '',
        failure: null,
        answers: [
          { answer_type: 'CNAME', hostname: `${PAYLOADS.svg}.test`, ttl: null },
          { answer_type: 'A', ipv4: '10.10.34.36', ttl: null, asn: 64512, as_org_name: PAYLOADS.img },
        ],
        t0: 0,
        t: 0.01,
        transaction_id: 1,
      },
    ];
    tk.tcp_connect = [
      { ip: '10.10.34.36', port: 80, status: { success: true, failure: null }, t0: 0.01, t: 0.02, transaction_id: 2 },
      {
        ip: '10.10.34.36',
        port: 443,
        status: { success: false, failure: `unknown_failure: ${PAYLOADS.script}` },
        t0: 0.01,
        t: 0.02,
        transaction_id: 3,
      },
    ];
    tk.tls_handshakes = [
      {
        network: 'tcp',
        address: '10.10.34.36:443',
        server_name: HOSTILE_DOMAIN,
        failure: 'ssl_unknown_authority',
        cipher_suite: 'TLS_AES_128_GCM_SHA256',
        tls_version: 'TLSv1.3',
        negotiated_protocol: '',
        no_tls_verify: false,
        peer_certificates: [{ format: 'base64', data: der }],
        t0: 0.02,
        t: 0.05,
        transaction_id: 4,
      },
    ];
    tk.requests = [
      {
        network: 'tcp',
        address: '10.10.34.36:80',
        alpn: '',
        failure: null,
        request: {
          url: HOSTILE_INPUT,
          method: 'GET',
          headers: {},
          headers_list: [],
          body: '',
          body_is_truncated: false,
        },
        response: {
          code: 200,
          body,
          body_is_truncated: false,
          headers: { Server: PAYLOADS.svg, Location: PAYLOADS.js, 'X-Rich': PAYLOADS.rich },
          headers_list: [
            ['Server', PAYLOADS.svg],
            ['Location', PAYLOADS.js],
            ['X-Rich', PAYLOADS.rich],
          ],
          x_title: PAYLOADS.script,
        },
        t0: 0.05,
        t: 0.1,
        transaction_id: 5,
      },
    ];
    if (tk.control?.http_request) {
      tk.control.http_request.title = PAYLOADS.svg;
      tk.control.http_request.headers = { Server: PAYLOADS.img };
    }
    if (tk.control?.dns) tk.control.dns = { failure: null, addrs: ['192.0.2.80'] };
    tk.control.tcp_connect = { '10.10.34.36:443': { status: false, failure: PAYLOADS.script } };
    return m;
  };
  return [make(1, '2024-01-01 00:00:00'), make(2, '2024-01-02 00:00:00')];
}
