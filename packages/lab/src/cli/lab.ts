/**
 * `blockwatch lab up|down|status|apply|run|exec`: the censored network on one machine (root).
 */
import { spawn } from 'node:child_process';
import { defineCommand, intOption, secondsOption } from 'blockwatch/cli';
import { BlockwatchError, UsageError } from 'blockwatch/errors.ts';
import { applyPolicy, ispOf, loadPolicyFile, requireUp } from '../apply.ts';
import { INTERNET_NS, MAX_ISPS } from '../plan.ts';
import { formatResults, loadScenarios, runScenarios } from '../runner.ts';
import { withLabSession } from '../session.ts';
import { stateDirOf, statePaths } from '../state.ts';
import { labDown, labStatus, labUp, requireRoot } from '../topology.ts';

const SUBCOMMANDS = ['up', 'down', 'status', 'apply', 'run', 'exec'] as const;

export default defineCommand({
  name: 'lab',
  summary: 'run the simulated censored network (root)',
  usage: '<up|down|status|apply|run|exec> [options]',
  details: `
Subcommands:
  up [--isps N]                     create the namespaces, sites, resolvers, helper and ISP censors (idempotent)
  down                              remove every namespace, rule, process and file the lab made (idempotent)
  status [--json]                   what runs, which policy each ISP applies
  apply ISP POLICY.json             apply a censorship policy to one ISP (isp1, 2, AS9198…); '-' or 'none' clears it
  run [NAME…] [--file F…] [--json]  run scenarios (all of the catalogue by default): expected against measured
  exec ISP [--ns router|internet] -- COMMAND…
                                    run a command as a subscriber of ISP (its resolver, its censorship)

State lives in $BLOCKWATCH_LAB_DIR (default /run/blockwatch-lab). Policies and scenarios: docs/lab.md.
Examples:
  blockwatch lab up && blockwatch lab apply isp1 packages/lab/policies/kz-2024.json
  blockwatch lab exec isp1 -- node -e "fetch('https://azattyq.lab/').then(r=>console.log(r.status))"
  blockwatch lab run tls-drop-sni dns-inject --json`,
  positionals: true,
  options: {
    isps: {
      type: 'string',
      arg: 'N',
      description: `number of ISPs when 'up' or 'run' starts the lab (1-${MAX_ISPS})`,
      default: '3',
    },
    json: { type: 'boolean', description: 'machine-readable output (status, run)' },
    file: { type: 'string', multiple: true, arg: 'SCENARIO', description: "scenario files for 'run'" },
    ns: {
      type: 'string',
      arg: 'WHERE',
      description: "'exec' in the subscriber (default), router or internet namespace",
    },
    timeout: { type: 'string', arg: 'SECONDS', description: "'run': the probe's time budget per URL", default: '20' },
    'no-probe': {
      type: 'boolean',
      description: "'run': check only the lab's own observations, not the probe's verdicts",
    },
  },
  async run({ values, positionals }, ctx) {
    const [sub, ...rest] = positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`lab: expected one of ${SUBCOMMANDS.join(', ')}${sub ? `, got '${sub}'` : ''}`);
    }
    try {
      requireRoot();
    } catch (err) {
      ctx.stderr.write(`blockwatch lab: ${(err as Error).message}\n`);
      return 1;
    }
    const stateDir = stateDirOf(ctx.env);
    const log = (line: string) => ctx.stderr.write(`lab: ${line}\n`);
    switch (sub) {
      case 'up': {
        const ispCount = intOption('isps', values.isps, 3, 1, MAX_ISPS);
        const state = await labUp({ stateDir, ispCount, log });
        ctx.stdout.write(`lab up: ${state.ispCount} ISPs, state in ${stateDir}\n`);
        return 0;
      }
      case 'down':
        await labDown({ stateDir, log });
        return 0;
      case 'status': {
        const status = await labStatus(stateDir);
        if (values.json) ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else {
          ctx.stdout.write(`lab ${status.up ? 'up' : 'down'} (${stateDir})\n`);
          for (const d of status.daemons)
            ctx.stdout.write(`  ${d.name.padEnd(8)} pid ${d.pid} ${d.alive ? 'running' : 'DEAD'} in ${d.ns}\n`);
          for (const i of status.isps)
            ctx.stdout.write(`  ${i.id} AS${i.asn} ${i.org}: resolver ${i.resolver}, policy ${i.policy ?? 'none'}\n`);
          if (status.helper)
            ctx.stdout.write(`  helper: ${'url' in status.helper ? status.helper.url : status.helper.unavailable}\n`);
        }
        return status.up ? 0 : 1;
      }
      case 'apply': {
        const [isp, file] = rest;
        if (!isp || !file) throw new UsageError('lab apply: expected ISP and POLICY_FILE');
        const policy = file === '-' || file === 'none' ? { rules: [] } : loadPolicyFile(file);
        await applyPolicy(stateDir, isp, policy, file);
        ctx.stdout.write(`applied ${file} to ${ispOf(requireUp(stateDir), isp).id} (${policy.rules.length} rules)\n`);
        return 0;
      }
      case 'run': {
        const scenarios = loadScenarios(rest, values.file ?? []);
        const timeoutS = secondsOption('timeout', values.timeout, 20);
        const ispCount = intOption('isps', values.isps, 3, 1, MAX_ISPS);
        // One run at a time: another run (the demo, a test) would apply its policies under our probes.
        const results = await withLabSession(
          () =>
            runScenarios({
              stateDir,
              scenarios,
              probe: !values['no-probe'],
              timeoutS,
              ispCount,
              log,
              signal: ctx.signal,
            }),
          { onWait: (pid) => log(`waiting for the lab: another run (pid ${pid}) is using it`) },
        );
        if (values.json) ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        else ctx.stdout.write(formatResults(results));
        return results.every((r) => r.pass) ? 0 : 1;
      }
      case 'exec': {
        const [isp, ...command] = rest;
        if (!isp || command.length === 0) throw new UsageError('lab exec: expected ISP -- COMMAND…');
        const plan = ispOf(requireUp(stateDir), isp);
        const where = values.ns ?? 'subscriber';
        const ns =
          where === 'subscriber'
            ? plan.subscriberNs
            : where === 'router'
              ? plan.routerNs
              : where === 'internet'
                ? INTERNET_NS
                : null;
        if (!ns) throw new UsageError(`lab exec: --ns must be subscriber, router or internet, got '${where}'`);
        const child = spawn('ip', ['netns', 'exec', ns, ...command], {
          stdio: 'inherit',
          env: { ...ctx.env, NODE_EXTRA_CA_CERTS: statePaths(stateDir).labCa },
        });
        return await new Promise<number>((resolve) => {
          child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
          child.on('error', (err) => {
            ctx.stderr.write(`blockwatch lab exec: ${err.message}\n`);
            resolve(127);
          });
        });
      }
    }
    throw new BlockwatchError('BW_ERR_USAGE', `lab: unknown subcommand '${sub}'`);
  },
});
