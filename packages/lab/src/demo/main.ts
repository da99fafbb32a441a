/**
 * `npm run demo` (root): the whole pipeline on one machine. Brings the lab up, measures the lab's news sites from
 * each ISP's subscriber once before and once after the ISPs switch their censorship on (Kazakhstan 2024,
 * a Russian ISP in 2022, Kazakhstan 2019 interception), imports the measurements into an embedded store and serves
 * the web UI on the host's loopback. The store is fed by `blockwatch import` from files, because the lab's
 * networks never route to the host.
 *
 *   npm run demo [-- --dir ./blockwatch-demo] [--listen 127.0.0.1:8080] [--no-serve] [--keep-lab]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { applyPolicy, loadPolicyFile } from '../apply.ts';
import { createPlan, HELPER_PORT, INFRA } from '../plan.ts';
import { DEFAULT_SITES } from '../sites.ts';
import { stateDirOf, statePaths } from '../state.ts';
import { BLOCKWATCH_BIN, labDown, labUp, requireRoot } from '../topology.ts';

const POLICIES = new URL('../../policies/', import.meta.url).pathname;
/** which policy each ISP switches on between the two rounds */
const SWITCH_ON: Record<string, string> = {
  isp1: 'kz-2024.json',
  isp2: 'ru-isp-2022.json',
  isp3: 'kz-2019-interception.json',
};

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: './blockwatch-demo' },
    listen: { type: 'string', default: '127.0.0.1:8080' },
    'no-serve': { type: 'boolean', default: false },
    'keep-lab': { type: 'boolean', default: false },
  },
});
const dir = resolve(values.dir as string);
const log = (line: string) => process.stderr.write(`demo: ${line}\n`);

try {
  requireRoot();
} catch (err) {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  process.exit(1);
}

const stateDir = stateDirOf(process.env);
const paths = statePaths(stateDir);
const state = await labUp({ stateDir, ispCount: 3, log });
if (!('url' in state.helper)) {
  log(`the control helper is not running (${state.helper.unavailable}); cannot measure`);
  process.exit(1);
}
const plan = createPlan(state.ispCount);
const urls = DEFAULT_SITES.filter((s) => s.kind === 'news' && !s.byNetwork).flatMap((s) => [
  `https://${s.name}/`,
  `http://${s.name}/`,
]);
rmSync(join(dir, 'measurements'), { recursive: true, force: true });
mkdirSync(join(dir, 'measurements'), { recursive: true });

for (const round of ['before', 'after']) {
  for (const isp of plan.isps) {
    await applyPolicy(
      stateDir,
      isp.id,
      round === 'before' ? { rules: [] } : loadPolicyFile(join(POLICIES, SWITCH_ON[isp.id])),
      round === 'before' ? 'none' : SWITCH_ON[isp.id],
    );
  }
  log(`round "${round}": ${urls.length} URLs from each of ${plan.isps.length} ISPs`);
  await Promise.all(
    plan.isps.map((isp) =>
      exec(
        'ip',
        [
          'netns',
          'exec',
          isp.subscriberNs,
          process.execPath,
          BLOCKWATCH_BIN,
          'probe',
          ...urls,
          '--resolver',
          isp.resolver,
          '--helper',
          `http://${INFRA.helper}:${HELPER_PORT}/`,
          '--cc',
          isp.cc,
          '--asn',
          `AS${isp.asn}`,
          '--asn-registry',
          paths.registry,
          '--timeout',
          '20',
          '--concurrency',
          '8',
          '--accept-risks',
          '--out',
          join(dir, 'measurements', `${round}-${isp.id}.jsonl`),
        ],
        { ...process.env, NODE_EXTRA_CA_CERTS: paths.labCa },
      ),
    ),
  );
}
for (const isp of plan.isps) await applyPolicy(stateDir, isp.id, { rules: [] }, 'none');
if (!values['keep-lab']) await labDown({ stateDir, log });

log(`importing into ${join(dir, 'store')}`);
await exec(process.execPath, [BLOCKWATCH_BIN, 'import', join(dir, 'measurements'), '--data', join(dir, 'store')]);
if (values['no-serve']) process.exit(0);
log(`serving the web UI on http://${values.listen}/ (Ctrl-C stops)`);
await exec(process.execPath, [
  BLOCKWATCH_BIN,
  'serve',
  '--data',
  join(dir, 'store'),
  '--listen',
  values.listen as string,
]);

/** Runs a command to its end; exit 1 is a result (blocked URLs, skipped records), not a failure. */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 || code === 1 ? done() : fail(new Error(`${args[1] ?? command} exited with ${code}`)),
    );
  });
}
