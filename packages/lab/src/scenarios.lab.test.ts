/**
 * The whole scenario catalogue against the real lab (root): every scenario must pass — the lab's own client sees
 * each policy enforced as declared, and the probe's verdicts match the expectations (known issues excepted, see
 * docs/lab.md). Then `down` is checked to leave nothing behind, also after a simulated crash.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { formatResults, loadScenarios, runScenarios } from './runner.ts';
import { acquireLabSession } from './session.ts';
import { readState, stateDirOf, writeState } from './state.ts';
import { labDown, labUp, listLabNamespaces } from './topology.ts';

// The probe reads blocking fingerprints from its data directory; in a checkout, the shared reference copy serves.
const sharedFingerprints = new URL('../../../../shared/data/fingerprints/', import.meta.url).pathname;
if (!process.env.BLOCKWATCH_DATA_DIR && existsSync(`${sharedFingerprints}fingerprints_http.csv`)) {
  process.env.BLOCKWATCH_DATA_DIR = sharedFingerprints;
}

const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces, iptables): run the tests as root';
const stateDir = stateDirOf(process.env);
let wasUp = false;
// Other lab runs (the demo's test may run at the same time) wait until this file is done with the lab.
let releaseLab = () => {};
before(async () => {
  if (skip) return;
  releaseLab = await acquireLabSession();
  wasUp = readState(stateDir)?.status === 'up';
});
after(() => releaseLab());

test('every scenario of the catalogue passes', { skip, timeout: 10 * 60_000 }, async () => {
  const results = await runScenarios({
    stateDir,
    scenarios: loadScenarios([], []),
    probe: true,
    timeoutS: 20,
    log: () => {},
  });
  const failed = results.filter((r) => !r.pass);
  assert.equal(failed.length, 0, formatResults(failed));
  // The scenario files check that these verdicts are strong; here, why: a dropped or closed ClientHello, and a reset
  // Host, were followed up with the decoy name, which the censor let through, and the evidence and the sentence say
  // so. tls-drop-sni is the case the follow-up exists for.
  const byName: [scenario: string, layer: 'tls' | 'http', evidence: RegExp, sentence: RegExp][] = [
    [
      'tls-drop-sni',
      'tls',
      /^decoy handshake with example\.com to \S+ was answered/,
      /timed out twice, while one with example\.com .*filters by server name/,
    ],
    [
      'tls-fin-sni',
      'tls',
      /^decoy handshake with example\.com to \S+ was answered/,
      /was cut off twice \(eof_error\), while one with example\.com .*filters by server name/,
    ],
    [
      'http-reset-host',
      'http',
      /^decoy request with Host example\.com to \S+ was answered/,
      /was reset twice, while one with example\.com .*filters by Host header/,
    ],
  ];
  for (const [scenario, layer, evidence, sentence] of byName) {
    const blocked = results
      .filter((r) => r.name === scenario)
      .flatMap((r) => r.urls)
      .filter((u) => u.verdict?.method === (layer === 'tls' ? 'tls' : 'http_failure'));
    assert.ok(blocked.length >= 1, `${scenario} measured a blocked URL`);
    for (const u of blocked) {
      const layers = u.verdict?.layers as Record<string, { evidence?: string[] } | undefined> | undefined;
      assert.ok(
        layers?.[layer]?.evidence?.some((e) => evidence.test(e)),
        `${scenario} ${u.url}: ${JSON.stringify(layers?.[layer]?.evidence)}`,
      );
      assert.match(String(u.verdict?.explanation), sentence, `${scenario} ${u.url}`);
    }
  }
});

test('down removes every namespace, process and file, also after a crash', { skip, timeout: 120_000 }, async (t) => {
  if (wasUp) return t.skip('a lab was already up before the tests: left alone');
  await labDown({ stateDir, log: () => {} });
  const state = await labUp({ stateDir, ispCount: 1, log: () => {} });
  // Simulate a crash in the middle of `up`: a daemon killed, the state file left "starting".
  const daemon = state.made.find((m) => m.kind === 'process');
  assert.ok(daemon && daemon.kind === 'process');
  process.kill(daemon.pid, 'SIGKILL');
  writeState(stateDir, { ...state, status: 'starting' });
  await labDown({ stateDir, log: () => {} });
  assert.deepEqual(await listLabNamespaces(), []);
  assert.ok(!existsSync(stateDir));
  assert.deepEqual(
    (existsSync('/etc/netns') ? readdirSync('/etc/netns', { withFileTypes: true }) : []).filter((d) =>
      d.name.startsWith('bw-'),
    ),
    [],
  );
  assert.deepEqual(labDaemonsRunning(), []);
  // Idempotent: a second down has nothing to do and does not fail.
  assert.deepEqual(await labDown({ stateDir, log: () => {} }), { removed: 0 });
});

test('leaves the machine as it found it', { skip }, async () => {
  if (!wasUp) await labDown({ stateDir, log: () => {} });
  if (!wasUp) assert.deepEqual(await listLabNamespaces(), []);
});

/** Pids of lab daemons still alive (read from /proc: no ps needed). */
function labDaemonsRunning(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return (
          !/^\d+ \(.*\) [ZX]/.test(stat) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemons/main.ts')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}
