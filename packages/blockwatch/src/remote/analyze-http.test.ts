import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeRemoteHttp, type QuackAttempt, type RemoteHttpInput } from './analyze-http.ts';

const server = { address: '95.59.170.100', port: 80, asn: 9198, cc: 'KZ' };
const page = (domain: string, over: Partial<QuackAttempt> = {}): QuackAttempt => ({
  domain,
  failure: null,
  status: 404,
  title: 'Not Found',
  bodySha256: 'abc',
  bodyLength: 512,
  ...over,
});
const broken = (domain: string, failure: string, failedOperation: string): QuackAttempt => ({
  domain,
  failure,
  failedOperation,
});

function input(over: Partial<RemoteHttpInput>): RemoteHttpInput {
  return {
    protocol: 'http',
    domain: 'news.example',
    server,
    controls: [page('example.com')],
    attempts: [page('news.example')],
    postControls: [],
    ...over,
  };
}

test('the same answer for the test and the control domain is no interference', () => {
  const v = analyzeRemoteHttp(input({}));
  assert.equal(v.outcome, 'accessible');
  assert.equal(v.layers.http?.status, 'ok');
});

test('a page of nearly the same length and title matches (dynamic parts vary)', () => {
  const v = analyzeRemoteHttp(input({ attempts: [page('news.example', { bodySha256: 'xyz', bodyLength: 500 })] }));
  assert.equal(v.outcome, 'accessible');
});

test('one matching try among failures means noise, not blocking (retries)', () => {
  const attempts = [broken('news.example', 'connection_reset', 'read'), page('news.example')];
  assert.equal(analyzeRemoteHttp(input({ attempts })).outcome, 'accessible');
});

test('a block page only for the test domain is interference, with the control still fine afterwards', () => {
  const blockpage = page('news.example', {
    status: 200,
    title: 'Страница заблокирована',
    bodySha256: 'bp',
    bodyLength: 900,
  });
  const v = analyzeRemoteHttp(
    input({ attempts: [blockpage, blockpage, blockpage], postControls: [page('example.com')] }),
  );
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'http_blockpage');
  assert.equal(v.layers.http?.status, 'blocked');
});

test('a reset after the request is an HTTP failure; on HTTPS a stalled handshake is TLS blocking', () => {
  const reset = broken('news.example', 'connection_reset', 'read');
  const v = analyzeRemoteHttp(input({ attempts: [reset, reset], postControls: [page('example.com')] }));
  assert.equal(v.method, 'http_failure');
  const cert = (domain: string) => ({ domain, failure: null, tlsVersion: 'TLSv1.3', certSha256: 'c1' });
  const stalled = broken('news.example', 'generic_timeout_error', 'tls_handshake');
  const tls = analyzeRemoteHttp(
    input({
      protocol: 'https',
      controls: [cert('example.com')],
      attempts: [stalled],
      postControls: [cert('example.com')],
    }),
  );
  assert.equal(tls.outcome, 'blocked');
  assert.equal(tls.method, 'tls');
  assert.equal(tls.layers.tls?.failure, 'generic_timeout_error');
  const same = analyzeRemoteHttp(
    input({ protocol: 'https', controls: [cert('example.com')], attempts: [cert('news.example')] }),
  );
  assert.equal(same.outcome, 'accessible');
});

test('a server that fails its controls is never evidence of blocking', () => {
  const down = broken('example.com', 'connection_refused', 'connect');
  assert.equal(analyzeRemoteHttp(input({ controls: [down] })).reason, 'controls_failed');
  const reset = broken('news.example', 'connection_reset', 'read');
  const after = analyzeRemoteHttp(input({ attempts: [reset], postControls: [down] }));
  assert.equal(after.outcome, 'unknown');
  assert.equal(after.failure, true);
});

test('a control that fails right after the test and recovers later is stateful blocking', () => {
  const reset = broken('news.example', 'connection_reset', 'read');
  const down = broken('example.com', 'connection_reset', 'read');
  const v = analyzeRemoteHttp(input({ attempts: [reset], postControls: [down, page('example.com')] }));
  assert.equal(v.outcome, 'blocked');
  assert.match(v.explanation, /stateful/);
});
