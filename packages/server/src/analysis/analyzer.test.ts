import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Measurement } from 'blockwatch/model';
import { syntheticMeasurement } from 'blockwatch/verdict/synthetic.ts';
import { createAnalyzer } from './analyzer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-analyzer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("with the lab's ASN registry, the lab's reserved-range addresses are public, not bogons", () => {
  const registry = join(dir, 'registry.json');
  writeFileSync(registry, JSON.stringify({ '198.18.2.0/24': { asn: 64500, org: 'Lab Sites' } }));
  const m = syntheticMeasurement('ok', { ip: '198.18.2.10' }) as Measurement<Record<string, unknown>>;
  const plain = createAnalyzer({ geoCacheDir: join(dir, 'geo') }).analyze(m);
  const withRegistry = createAnalyzer({ geoCacheDir: join(dir, 'geo'), asnRegistryFile: registry }).analyze(m);
  // x_dns_flags bit 1: an answer is a bogon (OONI v0.5)
  assert.equal((plain.classic.x_dns_flags ?? 0) & 1, 1, 'without the registry 198.18/15 is a bogon');
  assert.equal((withRegistry.classic.x_dns_flags ?? 0) & 1, 0, 'with it, the lab address is public');
  assert.equal(withRegistry.outcome, 'accessible');
});

test('a missing or malformed registry is an error naming the file', () => {
  assert.throws(() => createAnalyzer({ asnRegistryFile: join(dir, 'nope.json') }), { code: 'BW_ERR_NOT_FOUND' });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{not json');
  assert.throws(() => createAnalyzer({ asnRegistryFile: bad }), { code: 'BW_ERR_INVALID_INPUT' });
});
