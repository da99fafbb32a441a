import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import {
  type CertifiedKey,
  createLabAuthorities,
  issueLeaf,
  issueSiteCert,
  loadAuthority,
  toCertifiedKey,
} from './pki.ts';

/** Handshakes with a loopback server presenting `ck`; returns Node's verdict on the chain with the given roots. */
async function verify(ck: CertifiedKey, name: string, ca: string[]): Promise<string> {
  const server = tls.createServer({ cert: [ck.cert, ...ck.chain].join(''), key: ck.key }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: name, ca, rejectUnauthorized: false }, () => {
        const identity = tls.checkServerIdentity(name, s.getPeerCertificate());
        resolve(s.authorized ? (identity ? 'wrong-name' : 'ok') : String(s.authorizationError));
        s.destroy();
      });
      s.on('error', (e) => resolve(e.message));
    });
  } finally {
    server.close();
  }
}

test('site certificates: valid, expired, wrong name, self-signed', async () => {
  const a = await createLabAuthorities();
  const names = ['azattyq.lab', 'www.azattyq.lab'];
  assert.equal(await verify(await issueSiteCert(a, names, 'valid'), 'www.azattyq.lab', [a.labRoot.cert]), 'ok');
  assert.equal(
    await verify(await issueSiteCert(a, names, 'expired'), 'azattyq.lab', [a.labRoot.cert]),
    'CERT_HAS_EXPIRED',
  );
  assert.equal(
    await verify(await issueSiteCert(a, names, 'wrong-name'), 'azattyq.lab', [a.labRoot.cert]),
    'ERR_TLS_CERT_ALTNAME_INVALID',
  );
  assert.equal(
    await verify(await issueSiteCert(a, names, 'self-signed'), 'azattyq.lab', [a.labRoot.cert]),
    'DEPTH_ZERO_SELF_SIGNED_CERT',
  );
});

test('forged certificates chain to the national root only (through the intermediate they carry)', async () => {
  const a = await createLabAuthorities();
  // As a daemon does: reload the intermediate from its saved PEM form, then forge.
  const intermediate = await loadAuthority(toCertifiedKey(a.nationalIntermediate));
  const forged = await issueLeaf({ names: ['dailymail.lab'], issuer: intermediate });
  assert.equal(forged.chain.length, 1);
  assert.equal(await verify(forged, 'dailymail.lab', [a.nationalRoot.cert]), 'ok');
  assert.equal(await verify(forged, 'dailymail.lab', [a.labRoot.cert]), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
});
