/**
 * `npm run bench -- lab` (root): how long the lab takes to come up, to switch policies, to run each scenario of
 * the catalogue and to go down, each against a baseline measured in the same run on the same machine:
 *   - lab up            vs starting one Node+tsx process (the floor: the lab starts 1 + ISPs daemons in parallel)
 *   - policy switch     vs one empty iptables-restore in a namespace (the kernel part alone)
 *   - catalogue         vs the sum of the scenario times (what running them one ISP at a time would cost)
 *   - lab down          vs adding and deleting as many empty namespaces
 * Writes bench/results/lab.json. Leaves the machine as it found it (no lab) when done.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPolicy } from '../packages/lab/src/apply.ts';
import { loadScenarios, runScenarios } from '../packages/lab/src/runner.ts';
import { stateDirOf } from '../packages/lab/src/state.ts';
import { labDown, labUp } from '../packages/lab/src/topology.ts';
import { type Figure, median } from './_figures.ts';

const out = join(new URL('.', import.meta.url).pathname, 'results', 'lab.json');
mkdirSync(join(out, '..'), { recursive: true });
const write = (figures: Figure[], note?: string) =>
  writeFileSync(
    out,
    `${JSON.stringify({ name: 'lab', date: new Date().toISOString(), ...(note ? { note } : {}), figures }, null, 2)}\n`,
  );

if (process.getuid?.() !== 0) {
  console.error('bench lab: needs root (network namespaces); nothing measured');
  write([], 'skipped: not root');
  process.exit(0);
}

const ISPS = 3;
const stateDir = stateDirOf(process.env);
const log = (line: string) => console.error(`  ${line}`);
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const figures: Figure[] = [];
const figure = (
  metric: string,
  value: number,
  unit: string,
  baseline?: string,
  baselineValue?: number,
  goal?: string,
  pass?: boolean,
) =>
  figures.push({
    metric,
    value: Number(value.toFixed(3)),
    unit,
    ...(baseline
      ? {
          baseline,
          baselineValue: Number((baselineValue as number).toFixed(4)),
          ratio: Number((value / (baselineValue as number)).toFixed(2)),
        }
      : {}),
    ...(goal ? { goal, pass } : {}),
  });
const sh = (cmd: string, args: string[], input?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
};

await labDown({ stateDir, log: () => {} });

// Baseline for `up`: one Node process with the TypeScript loader, doing nothing.
const nodeStarts: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = process.hrtime.bigint();
  sh(process.execPath, ['--import', 'tsx', '-e', '0']);
  nodeStarts.push(seconds(t0));
}
let t0 = process.hrtime.bigint();
await labUp({ stateDir, ispCount: ISPS, log });
figure(`lab up (${ISPS} ISPs, 4 daemons + helper)`, seconds(t0), 's', 'one node+tsx start', median(nodeStarts));

// Policy switch: a policy touching every layer, then none, 10 times each.
const policy = loadScenarios(['kz-2024-profile'], [])[0].policy;
const switches: number[] = [];
for (let i = 0; i < 10; i++) {
  for (const p of [policy, { rules: [] }]) {
    t0 = process.hrtime.bigint();
    await applyPolicy(stateDir, 'isp1', p, 'bench');
    switches.push(seconds(t0) * 1000);
  }
}
const restores: number[] = [];
for (let i = 0; i < 10; i++) {
  t0 = process.hrtime.bigint();
  // The same ip-netns-exec + iptables-restore path the lab uses, with an empty filter table (isp1 has no policy now).
  sh('ip', ['netns', 'exec', 'bw-isp1', 'iptables-restore'], '*filter\nCOMMIT\n');
  restores.push(seconds(t0) * 1000);
}
figure('policy switch (daemon + iptables + tc)', median(switches), 'ms', 'empty iptables-restore', median(restores));

// The catalogue, concurrently over the ISPs.
const scenarios = loadScenarios([], []);
t0 = process.hrtime.bigint();
const results = await runScenarios({ stateDir, scenarios, probe: true, timeoutS: 20, log: () => {} });
const wall = seconds(t0);
const sum = results.reduce((s, r) => s + r.seconds, 0);
figure(`catalogue (${results.length} scenarios)`, wall, 's', 'sum of scenario times', sum, '< 600 s', wall < 600);
figure('scenarios passed', results.filter((r) => r.pass).length, 'count', 'scenarios run', results.length);
for (const r of results) figure(`scenario ${r.name}`, r.seconds, 's');

// Teardown against creating and deleting as many empty namespaces.
t0 = process.hrtime.bigint();
for (let i = 0; i < 1 + 2 * ISPS; i++) sh('ip', ['netns', 'add', `bw-bench-${i}`]);
for (let i = 0; i < 1 + 2 * ISPS; i++) sh('ip', ['netns', 'del', `bw-bench-${i}`]);
const bare = seconds(t0);
t0 = process.hrtime.bigint();
await labDown({ stateDir, log });
figure('lab down', seconds(t0), 's', `add+del ${1 + 2 * ISPS} empty namespaces`, bare);

write(figures);
for (const f of figures.slice(0, 5))
  console.error(
    `  ${f.metric}: ${f.value} ${f.unit}${f.baseline ? ` (baseline ${f.baseline}: ${f.baselineValue}, ×${f.ratio})` : ''}`,
  );
console.error(`wrote ${out}`);
