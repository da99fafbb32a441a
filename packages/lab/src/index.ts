/**
 * @blockwatch/lab: a censored network on one machine, with real packets.
 *
 * Design: Linux network namespaces (`bw-*`) hold "the internet" (simulated sites, DNS, DoH, the control helper),
 * ISP routers (resolver, censor daemon, iptables and tc) and a subscriber behind each router where the probe runs.
 * Policies are data (policy.ts) compiled into kernel rules and daemon rules; scenarios are data (scenario.ts) that
 * say what a correct verdict is. Pure modules (plan, sites, zone, policy, peek, scenario) do no I/O; topology,
 * apply, runner and the daemons do.
 *
 * Operations: `blockwatch lab up|down|status|apply|run|exec` (cli/lab.ts), `npm run test:lab`,
 * `npm run bench -- lab`. Format of policies and scenarios: docs/lab.md.
 */
export { applyPolicy, declareSites, loadPolicyFile, parsePolicy } from './apply.ts';
export { createPlan, DEFAULT_ISPS, findIsp, INFRA, type IspPlan, type LabPlan } from './plan.ts';
export { compilePolicy, type Policy, type Rule } from './policy.ts';
export { catalogueNames, formatResults, loadScenarios, runScenarios, type ScenarioResult } from './runner.ts';
export type { Scenario } from './scenario.ts';
export { DEFAULT_SITES, type SiteSpec } from './sites.ts';
export { type LabState, readState, stateDirOf, statePaths } from './state.ts';
export { labDown, labStatus, labUp } from './topology.ts';
