/**
 * Applying a policy to one ISP (daemon rules first, then the kernel tables and qdiscs, which replace the previous
 * ones atomically per table), and declaring scenario sites in the internet. Policy files are validated fully
 * before anything changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { callControl } from './control.ts';
import { run, runIn } from './exec.ts';
import { createPlan, DOH_NAME, findIsp, INFRA, type IspPlan, SCENARIO_SITE_BASE } from './plan.ts';
import { checkPolicy, compilePolicy, describeIssue, type Policy, policySchema } from './policy.ts';
import { asciiName, DEFAULT_SITES, type SiteSpec } from './sites.ts';
import { type LabState, readState, statePaths, writeState } from './state.ts';
import { FOREIGN_RESOLVERS, registryEntries } from './topology.ts';

/** Reads and validates a policy file; throws BW_ERR_INVALID_INPUT naming the file and the bad field. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BlockwatchError('BW_ERR_NOT_FOUND', `cannot read policy ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${path}: not valid JSON (${(err as Error).message})`);
  }
  return parsePolicy(json, path);
}

export function parsePolicy(json: unknown, where: string): Policy {
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) throw new BlockwatchError('BW_ERR_INVALID_INPUT', describeIssue(parsed.error, where));
  const problems = checkPolicy(parsed.data);
  if (problems.length) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${where}: ${problems[0]}`);
  return parsed.data;
}

export function requireUp(stateDir: string): LabState {
  const state = readState(stateDir);
  if (state?.status !== 'up') {
    throw new BlockwatchError('BW_ERR_LAB', "the lab is not up: run 'blockwatch lab up' first");
  }
  return state;
}

export function ispOf(state: LabState, key: string): IspPlan {
  const plan = createPlan(state.ispCount);
  const isp = findIsp(plan, key);
  if (!isp) {
    throw new BlockwatchError(
      'BW_ERR_INVALID_ARG',
      `unknown ISP '${key}' (the lab has ${plan.isps.map((i) => `${i.id}/AS${i.asn}`).join(', ')})`,
    );
  }
  return isp;
}

/** The sites currently served (default catalogue plus scenario sites). */
export function currentSites(stateDir: string): (SiteSpec & { address: string })[] {
  try {
    return JSON.parse(readFileSync(statePaths(stateDir).sites, 'utf8')).sites;
  } catch {
    return [...DEFAULT_SITES];
  }
}

export async function applyPolicy(stateDir: string, ispKey: string, policy: Policy, label: string): Promise<void> {
  const state = requireUp(stateDir);
  const isp = ispOf(state, ispKey);
  const sites = currentSites(stateDir)
    .filter((s) => !s.down)
    .map((s) => ({
      address: s.address,
      names: [s.name, ...(s.aliases ?? [])].map(asciiName),
      ports: (s.cert ?? 'valid') === 'none' ? [80] : [80, 443],
    }));
  const compiled = compilePolicy(policy, {
    resolver: isp.resolver,
    blockpage: isp.blockpage,
    subscriberIf: isp.access.routerIf,
    foreignResolvers: FOREIGN_RESOLVERS,
    helper: INFRA.helper,
    // the DoH endpoint is an HTTPS server like any other to a censor: SNI and address rules reach it too
    sites: [...sites, { address: INFRA.doh, names: [DOH_NAME], ports: [443] }],
    ...(isp.hostingServer ? { inIspServers: [isp.hostingServer] } : {}),
  });
  await callControl(statePaths(stateDir).control(isp.id), 'PUT', '/policy', compiled.daemon);
  await runIn(isp.routerNs, 'iptables-restore', [], { input: compiled.iptables });
  await run('tc', ['-n', isp.routerNs, 'qdisc', 'del', 'dev', isp.access.routerIf, 'root'], { allowFailure: true });
  for (const args of compiled.tc) await run('tc', ['-n', isp.routerNs, ...args]);
  // Forget NAT decisions of earlier policies (best effort: the conntrack tool is optional; lab flows use fresh
  // ports, so stale entries rarely matter).
  await runIn(isp.routerNs, 'conntrack', ['-F'], { allowFailure: true }).catch(() => undefined);
  const fresh = readState(stateDir) ?? state;
  fresh.policies[isp.id] = label;
  writeState(stateDir, fresh);
}

/**
 * Serves scenario sites next to the catalogue. Sites without an address get one from 198.18.3.0/24 in order;
 * a name may not be declared twice with different content.
 */
export async function declareSites(stateDir: string, specs: SiteSpec[]): Promise<(SiteSpec & { address: string })[]> {
  const state = requireUp(stateDir);
  const taken = new Set(DEFAULT_SITES.map((s) => s.address));
  const byName = new Map<string, { json: string; site: SiteSpec & { address: string } }>();
  let next = SCENARIO_SITE_BASE[3];
  for (const spec of specs) {
    const key = asciiName(spec.name);
    const json = JSON.stringify(spec);
    const known = byName.get(key);
    if (known) {
      // Several scenarios may share a site, but only with the same declaration.
      if (known.json !== json) {
        throw new BlockwatchError('BW_ERR_INVALID_INPUT', `site '${spec.name}' is declared twice, differently`);
      }
      continue;
    }
    if (DEFAULT_SITES.some((d) => asciiName(d.name) === key)) {
      throw new BlockwatchError('BW_ERR_INVALID_INPUT', `site '${spec.name}' is already in the lab's catalogue`);
    }
    let address = spec.address;
    if (!address) {
      while (taken.has(`198.18.3.${next}`)) next++;
      if (next > 254) throw new BlockwatchError('BW_ERR_INVALID_INPUT', 'too many scenario sites (max 254)');
      address = `198.18.3.${next}`;
    }
    taken.add(address);
    byName.set(key, { json, site: { ...spec, address } });
  }
  const extra = [...byName.values()].map((v) => v.site);
  await callControl(statePaths(stateDir).control('inet'), 'PUT', '/extra-sites', { sites: extra });
  const all = [...DEFAULT_SITES, ...extra];
  const paths = statePaths(stateDir);
  writeFileSync(paths.sites, `${JSON.stringify({ sites: all }, null, 2)}\n`);
  writeFileSync(paths.registry, `${JSON.stringify(registryEntries(createPlan(state.ispCount), all), null, 2)}\n`);
  return extra;
}
