import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPERATIONS, type Operation } from '../model/index.ts';
import {
  ClassifiedError,
  classifyDnsResponse,
  classifyError,
  DeadlineError,
  InterruptedError,
  scrubAddresses,
} from './classify.ts';

const c = (err: unknown, op: Operation = OPERATIONS.connect) => classifyError(err, op);

describe('classifyError', () => {
  test('maps errno codes as Node reports them (netns-lab-findings §3)', () => {
    assert.equal(c({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect' }), 'connection_refused');
    assert.equal(c({ code: 'ECONNRESET', errno: -104, syscall: 'read' }, OPERATIONS.read), 'connection_reset');
    assert.equal(c({ code: 'EHOSTUNREACH', errno: -113 }), 'host_unreachable');
    assert.equal(c({ code: 'ENETUNREACH', errno: -101 }), 'network_unreachable');
    assert.equal(c({ code: 'ETIMEDOUT', errno: -110 }), 'generic_timeout_error');
  });

  test('a FIN during the TLS handshake (ECONNRESET without errno) is eof_error', () => {
    const err = Object.assign(
      new Error('Client network socket disconnected before secure TLS connection was established'),
      {
        code: 'ECONNRESET',
      },
    );
    assert.equal(c(err, OPERATIONS.tlsHandshake), 'eof_error');
  });

  test('getaddrinfo: errno separates NXDOMAIN from NODATA; EAI_AGAIN is a temporary failure', () => {
    assert.equal(c({ code: 'ENOTFOUND', errno: -3008 }, OPERATIONS.resolve), 'dns_nxdomain_error');
    assert.equal(c({ code: 'ENOTFOUND', errno: -3007 }, OPERATIONS.resolve), 'dns_no_answer');
    assert.equal(c({ code: 'EAI_AGAIN', errno: -3001 }, OPERATIONS.resolve), 'dns_temporary_failure');
    assert.equal(c({ code: 'ESERVFAIL' }, OPERATIONS.resolve), 'dns_servfail_error');
    assert.equal(c({ code: 'EREFUSED' }, OPERATIONS.resolve), 'dns_refused_error');
  });

  test('certificate errors', () => {
    const tls = OPERATIONS.tlsHandshake;
    assert.equal(c({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, tls), 'ssl_unknown_authority');
    assert.equal(c({ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, tls), 'ssl_unknown_authority');
    assert.equal(c({ code: 'CERT_HAS_EXPIRED' }, tls), 'ssl_invalid_certificate');
    assert.equal(c({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, tls), 'ssl_invalid_hostname');
    assert.equal(c({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, tls), 'ssl_failed_handshake');
    assert.equal(c({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, tls), 'ssl_failed_handshake');
  });

  test('undici: wrappers are unwrapped, timers are timeouts, early close is EOF', () => {
    const rt = OPERATIONS.httpRoundTrip;
    assert.equal(c({ code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET', errno: -104 } }, rt), 'connection_reset');
    assert.equal(c({ code: 'UND_ERR_SOCKET' }, rt), 'eof_error');
    assert.equal(c({ code: 'UND_ERR_HEADERS_TIMEOUT' }, rt), 'generic_timeout_error');
    assert.equal(c({ code: 'UND_ERR_BODY_TIMEOUT' }, rt), 'generic_timeout_error');
    assert.equal(c({ code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }, rt), 'eof_error');
    assert.equal(c({ code: 'HPE_INVALID_CONSTANT' }, rt), 'http_invalid_response');
  });

  test('our deadline, the caller abort, and already classified errors', () => {
    assert.equal(c(new DeadlineError('connect')), 'generic_timeout_error');
    assert.equal(c(new InterruptedError()), 'interrupted');
    assert.equal(c(new DOMException('aborted', 'AbortError')), 'interrupted');
    assert.equal(c({ code: 'ABORT_ERR', cause: new DeadlineError('x') }), 'generic_timeout_error');
    assert.equal(c(new ClassifiedError('ssl_invalid_hostname', OPERATIONS.tlsHandshake)), 'ssl_invalid_hostname');
    assert.equal(c({ code: 'UND_ERR_SOCKET', cause: new ClassifiedError('eof_error', OPERATIONS.read) }), 'eof_error');
  });

  test('anything else is unknown_failure with addresses scrubbed, never by message matching', () => {
    assert.equal(
      c(new Error('connect EWHATEVER 10.1.2.3:443 via [2001:db8::1]:8080')),
      'unknown_failure: connect EWHATEVER [scrubbed] via [scrubbed]',
    );
    assert.equal(c('boom'), 'unknown_failure: boom');
    assert.equal(c(new Error('ECONNREFUSED in the text only')), 'unknown_failure: ECONNREFUSED in the text only');
  });
});

describe('classifyDnsResponse', () => {
  test('rcode first, then the presence of an address', () => {
    assert.equal(classifyDnsResponse('NOERROR', 1), null);
    assert.equal(classifyDnsResponse('NOERROR', 0), 'dns_no_answer');
    assert.equal(classifyDnsResponse('NXDOMAIN', 0), 'dns_nxdomain_error');
    assert.equal(classifyDnsResponse('SERVFAIL', 0), 'dns_servfail_error');
    assert.equal(classifyDnsResponse('REFUSED', 0), 'dns_refused_error');
    assert.equal(classifyDnsResponse('NOTIMP', 0), 'dns_server_misbehaving');
  });
});

describe('scrubAddresses', () => {
  test('removes v4 and v6 addresses with ports, keeps times and words', () => {
    assert.equal(scrubAddresses('from 192.0.2.1 and ::1 at 12:30'), 'from [scrubbed] and [scrubbed] at 12:30');
    assert.equal(scrubAddresses('fe80::1%eth0'), '[scrubbed]%eth0');
  });
});
