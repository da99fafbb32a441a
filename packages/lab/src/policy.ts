/**
 * Censorship policies: the file format (validated with zod), and its compilation into what each layer of an ISP
 * router enforces. Pure: the output is iptables-restore text, tc argument lists and the daemon's rule set; the
 * caller (`kernel.ts`, the ISP daemon) applies them.
 *
 * Design: the kernel does what the kernel does exactly (drop, refuse, ICMP unreachable, rate limits); everything
 * that needs to read the flow (DNS names, the ClientHello SNI, the Host header) is a Node daemon on the router that
 * the kernel steers flows to (DNAT/REDIRECT). Only flows a rule can concern are steered, so an unrelated site that
 * is down still refuses connections instead of being "answered" by the proxy.
 */
import { z } from 'zod';
import { cidrContainsV4 } from './sites.ts';

export const DNS_ACTIONS = ['dns.nxdomain', 'dns.blockpage', 'dns.bogon', 'dns.localhost', 'dns.inject'] as const;
export const TCP_ACTIONS = ['tcp.drop', 'tcp.reset', 'tcp.unreachable'] as const;
export const TLS_ACTIONS = ['tls.reset', 'tls.drop', 'tls.fin', 'tls.intercept'] as const;
export const HTTP_ACTIONS = ['http.redirect', 'http.blockpage', 'http.reset'] as const;
export const ACTIONS = [...DNS_ACTIONS, ...TCP_ACTIONS, ...TLS_ACTIONS, ...HTTP_ACTIONS, 'throttle'] as const;
export type Action = (typeof ACTIONS)[number];

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);
const domainPattern = z
  .string()
  .regex(/^(\*\.)?[^\s*/:]+$/, 'expected a host name, optionally starting with "*." (subdomains only)');
const addressPattern = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'expected an IPv4 address or CIDR prefix');

export const matchSchema = z.strictObject({
  /** host names (exact, or "*.x" for subdomains of x): the DNS question, the SNI and the Host header */
  domain: oneOrMany(domainPattern).optional(),
  /** only the TLS ClientHello's server name */
  sni: oneOrMany(domainPattern).optional(),
  /** only the HTTP Host header */
  host: oneOrMany(domainPattern).optional(),
  /** destination addresses or prefixes */
  address: oneOrMany(addressPattern).optional(),
  /** destination ports */
  port: oneOrMany(z.number().int().min(1).max(65535)).optional(),
  /** dns.* only: "isp" = only the ISP's resolver lies (default); "all" = queries to any resolver are intercepted */
  resolvers: z.enum(['isp', 'all']).optional(),
});

export const ruleSchema = z.strictObject({
  match: matchSchema,
  action: z.enum(ACTIONS),
  /** dns.bogon / dns.inject: the forged address (defaults: 10.10.34.35 / the ISP's block-page host) */
  answer: addressPattern.optional(),
  /** dns.inject: how long the genuine answer is held back (ms) */
  delayMs: z.number().int().min(0).max(10_000).optional(),
  /** tcp.unreachable: which ICMP error */
  icmp: z.enum(['host', 'port', 'net', 'admin']).optional(),
  /** http.blockpage: the status of the inline page (200 or 403 are common) */
  status: z.number().int().min(100).max(599).optional(),
  /** http.redirect: the Location (default: the ISP's block page) */
  location: z.string().optional(),
  /** throttle: the rate in kbit/s */
  rateKbit: z.number().int().min(8).max(10_000_000).optional(),
  comment: z.string().optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

export const policySchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  rules: z.array(ruleSchema),
  /** make the control helper unreachable from this ISP's subscribers (tests "control failure") */
  blockHelper: z.boolean().optional(),
});
export type Policy = z.infer<typeof policySchema>;

export const EMPTY_POLICY: Policy = { rules: [] };

/** Formats the first zod issue as "where: what". */
export function describeIssue(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${where}: at '${path}': ${issue.message}`;
}

/** Checks what the schema cannot: each action has the match fields it needs. Returns problems (empty = ok). */
export function checkPolicy(policy: Policy): string[] {
  const problems: string[] = [];
  policy.rules.forEach((rule, i) => {
    const m = rule.match;
    const where = `rules.${i} (${rule.action})`;
    const layer = rule.action.split('.')[0];
    if (layer === 'dns' && !m.domain) problems.push(`${where}: needs match.domain`);
    if (layer === 'tcp' && !m.address && !m.domain) problems.push(`${where}: needs match.address or match.domain`);
    if (layer === 'tls' && !m.sni && !m.domain) problems.push(`${where}: needs match.sni or match.domain`);
    if (layer === 'http' && !m.host && !m.domain) problems.push(`${where}: needs match.host or match.domain`);
    if (rule.action === 'throttle' && !m.sni && !m.domain && !m.host && !m.address)
      problems.push(`${where}: needs match.domain, match.sni, match.host or match.address`);
    if (rule.action === 'throttle' && rule.rateKbit === undefined) problems.push(`${where}: needs rateKbit`);
    if (m.resolvers && layer !== 'dns') problems.push(`${where}: match.resolvers only applies to dns.* actions`);
  });
  return problems;
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Exact name, or "*.x" = any subdomain of x. Names compare case-insensitively, without a trailing dot. */
export function domainMatches(pattern: string, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase();
  return p.startsWith('*.') ? n.endsWith(p.slice(1)) : n === p;
}

export function addressMatches(patterns: string[], ip: string): boolean {
  return patterns.some((p) => cidrContainsV4(p, ip));
}

// ---------------------------------------------------------------------------------------------------------------
// What the ISP daemon enforces

export interface DaemonDnsRule {
  action: (typeof DNS_ACTIONS)[number];
  domains: string[];
  resolvers: 'isp' | 'all';
  answer?: string;
  delayMs?: number;
}

export interface DaemonProxyRule {
  action: (typeof TLS_ACTIONS)[number] | (typeof HTTP_ACTIONS)[number];
  /** names matched against the SNI (tls) or Host (http) */
  names: string[];
  addresses: string[];
  status?: number;
  location?: string;
}

/** A flow the kernel steers to the daemon: connections to address:port arrive on the router's localPort. */
export interface Intercept {
  address: string;
  port: number;
  localPort: number;
}

export interface DaemonPolicy {
  dns: DaemonDnsRule[];
  proxy: DaemonProxyRule[];
  intercepts: Intercept[];
  /** foreign resolvers whose queries may be diverted to the daemon: resolver → local UDP port */
  dnsIntercepts: { resolver: string; localPort: number }[];
}

export interface CompileContext {
  /** the ISP's own resolver and block page */
  resolver: string;
  blockpage: string;
  /** router interface towards the subscriber */
  subscriberIf: string;
  /** resolvers outside the ISP that subscribers may query (public resolver, authoritative) */
  foreignResolvers: string[];
  /** the helper's address, for blockHelper */
  helper: string;
  /** serving sites (not down): address → ports with a listener; tls/http interception is limited to these */
  sites: { address: string; names: string[]; ports: number[] }[];
  /**
   * Servers inside the ISP (:80 and :443): the filter sits on their path whichever side the flow comes from, so
   * requests from the internet naming a blocked site are treated as the subscribers' are (remote measurement).
   */
  inIspServers?: string[];
}

export interface CompiledPolicy {
  /** iptables-restore input replacing the filter, nat and mangle tables */
  iptables: string;
  /** tc invocations (argument lists), run in order after the old root qdisc is removed */
  tc: string[][];
  daemon: DaemonPolicy;
}

export const PROXY_PORT_BASE = 20_000;
export const DNS_INTERCEPT_PORT_BASE = 5_301;
const THROTTLE_MARK_BASE = 0x100;

/** DNS wire form of a name ("*.x.lab" → the suffix |01|x|03|lab|00|) for iptables --hex-string. */
export function qnameHex(pattern: string): string {
  const name = pattern.replace(/^\*\./, '');
  const labels = name.split('.').filter(Boolean);
  const wire = labels.map((l) => `|${l.length.toString(16).padStart(2, '0')}|${l}`).join('');
  return `${wire}|00|`;
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

export function compilePolicy(policy: Policy, ctx: CompileContext): CompiledPolicy {
  const filter: string[] = [];
  const nat: string[] = [];
  const mangle: string[] = [];
  const tc: string[][] = [];
  const sub = ctx.subscriberIf;
  const sitesFor = (names: string[]) =>
    ctx.sites.filter((s) => s.names.some((n) => names.some((p) => domainMatches(p, n))));

  // 1. Kernel blocking (tcp.*): filter FORWARD; such flows must never be steered to a proxy (nat RETURN first).
  for (const rule of policy.rules) {
    if (!rule.action.startsWith('tcp.')) continue;
    const addresses = [...list(rule.match.address), ...sitesFor(list(rule.match.domain)).map((s) => s.address)];
    const ports = list(rule.match.port);
    const target =
      rule.action === 'tcp.drop'
        ? 'DROP'
        : rule.action === 'tcp.reset'
          ? 'REJECT --reject-with tcp-reset'
          : `REJECT --reject-with ${{ host: 'icmp-host-unreachable', port: 'icmp-port-unreachable', net: 'icmp-net-unreachable', admin: 'icmp-admin-prohibited' }[rule.icmp ?? 'host']}`;
    for (const address of addresses) {
      for (const port of ports.length ? ports : [undefined]) {
        const sel = `-i ${sub} -p tcp -d ${address}${port ? ` --dport ${port}` : ''}`;
        filter.push(`-A FORWARD ${sel} -j ${target}`);
        nat.push(`-A PREROUTING ${sel} -j RETURN`);
      }
    }
  }
  if (policy.blockHelper) {
    filter.push(`-A FORWARD -i ${sub} -p tcp -d ${ctx.helper} -j REJECT --reject-with tcp-reset`);
    nat.push(`-A PREROUTING -i ${sub} -p tcp -d ${ctx.helper} -j RETURN`);
  }

  // 2. DNS rules: the ISP resolver applies them itself; "all"/inject rules also divert queries to other resolvers.
  const dns: DaemonDnsRule[] = [];
  const dnsIntercepts = ctx.foreignResolvers.map((resolver, i) => ({
    resolver,
    localPort: DNS_INTERCEPT_PORT_BASE + i,
  }));
  for (const rule of policy.rules) {
    if (!rule.action.startsWith('dns.')) continue;
    const resolvers = rule.action === 'dns.inject' ? 'all' : (rule.match.resolvers ?? 'isp');
    const domains = list(rule.match.domain);
    dns.push({
      action: rule.action as DaemonDnsRule['action'],
      domains,
      resolvers,
      ...(rule.answer ? { answer: rule.answer } : {}),
      ...(rule.delayMs !== undefined ? { delayMs: rule.delayMs } : {}),
    });
    if (resolvers !== 'all') continue;
    for (const { resolver, localPort } of dnsIntercepts) {
      for (const d of domains) {
        nat.push(
          `-A PREROUTING -i ${sub} -p udp -d ${resolver} --dport 53 -m string --algo bm --icase --hex-string ${quote(qnameHex(d))} -j DNAT --to-destination ${ctx.resolver}:${localPort}`,
        );
      }
    }
  }

  // 3. Flows the proxy must read: tls.* on :443, http.* on :80, for the matching or named addresses.
  const proxy: DaemonProxyRule[] = [];
  const wanted = new Map<string, { address: string; port: number }>();
  for (const rule of policy.rules) {
    const layer = rule.action.split('.')[0];
    if (layer !== 'tls' && layer !== 'http') continue;
    const names = [...list(rule.match.domain), ...list(layer === 'tls' ? rule.match.sni : rule.match.host)];
    const addresses = list(rule.match.address);
    const ports = list(rule.match.port);
    const port = layer === 'tls' ? 443 : 80;
    proxy.push({
      action: rule.action as DaemonProxyRule['action'],
      names,
      addresses,
      ...(rule.status !== undefined ? { status: rule.status } : {}),
      ...(rule.location !== undefined ? { location: rule.location } : {}),
    });
    // A censor that matches SNI/Host sees every flow, whatever the address: steer all serving sites (a probe may
    // reach a blocked name through another site's address), unless the rule names addresses.
    const inIsp = (ctx.inIspServers ?? []).map((address) => ({ address, ports: [80, 443] }));
    for (const site of [...ctx.sites, ...inIsp]) {
      if (addresses.length && !addressMatches(addresses, site.address)) continue;
      for (const p of ports.length ? ports : [port]) {
        if (site.ports.includes(p)) wanted.set(`${site.address}:${p}`, { address: site.address, port: p });
      }
    }
  }
  const intercepts: Intercept[] = [...wanted.values()]
    .sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }) || a.port - b.port)
    .map((w, i) => ({ ...w, localPort: PROXY_PORT_BASE + i }));
  const inIspServers = new Set(ctx.inIspServers ?? []);
  for (const it of intercepts) {
    const from = inIspServers.has(it.address) ? '' : `-i ${sub} `;
    nat.push(`-A PREROUTING ${from}-p tcp -d ${it.address} --dport ${it.port} -j REDIRECT --to-ports ${it.localPort}`);
  }

  // 4. Throttling: mark the connection when its first packets match, shape the marked flows towards the subscriber.
  const throttles = policy.rules.filter((r) => r.action === 'throttle');
  if (throttles.length) {
    tc.push(['qdisc', 'add', 'dev', sub, 'root', 'handle', '1:', 'htb', 'default', '1']);
    tc.push(['class', 'add', 'dev', sub, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit']);
  }
  throttles.forEach((rule, i) => {
    const mark = `0x${(THROTTLE_MARK_BASE + i).toString(16)}`;
    const classId = `1:${(16 + i).toString(16)}`;
    const rate = `${rule.rateKbit}kbit`;
    tc.push(['class', 'add', 'dev', sub, 'parent', '1:', 'classid', classId, 'htb', 'rate', rate, 'ceil', rate]);
    const setMark = `-j CONNMARK --set-mark ${mark}`;
    for (const name of [...list(rule.match.domain), ...list(rule.match.sni)]) {
      mangle.push(
        `-A PREROUTING -i ${sub} -p tcp --dport 443 -m string --algo bm --string ${quote(name.replace(/^\*\./, ''))} ${setMark}`,
      );
    }
    for (const name of [...list(rule.match.domain), ...list(rule.match.host)]) {
      mangle.push(
        `-A PREROUTING -i ${sub} -p tcp --dport 80 -m string --algo bm --icase --string ${quote(`host: ${name.replace(/^\*\./, '')}`)} ${setMark}`,
      );
    }
    for (const address of list(rule.match.address)) mangle.push(`-A PREROUTING -i ${sub} -d ${address} ${setMark}`);
    mangle.push(`-A POSTROUTING -o ${sub} -m connmark --mark ${mark} -j CLASSIFY --set-class ${classId}`);
  });

  const table = (name: string, chains: string[], rules: string[]) =>
    [`*${name}`, ...chains.map((c) => `:${c} ACCEPT [0:0]`), ...rules, 'COMMIT'].join('\n');
  const iptables = `${[
    table('filter', ['INPUT', 'FORWARD', 'OUTPUT'], filter),
    table('nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], nat),
    table('mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], mangle),
  ].join('\n')}\n`;

  return { iptables, tc, daemon: { dns, proxy, intercepts, dnsIntercepts } };
}
