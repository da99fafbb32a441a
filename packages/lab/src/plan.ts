/**
 * The lab's address plan: every name, address and namespace the lab uses, computed from the ISP list. Pure.
 *
 * All addresses come from 198.18.0.0/15 (RFC 2544 benchmark range), so nothing here can collide with a real
 * network. 198.18.0.0/16 is "the internet" (transit links, infrastructure, sites); 198.19.N.0/24 belongs to ISP N
 * (its subscriber link, its resolver and its block-page host). Namespaces carry the `bw-` prefix so cleanup can
 * never touch anything the lab did not make.
 */

export const NAMESPACE_PREFIX = 'bw-';
export const INTERNET_NS = 'bw-inet';

/** Infrastructure in the internet namespace. */
export const INFRA = {
  /** authoritative DNS for the lab's zones */
  authoritative: '198.18.1.1',
  /** DoH endpoint (https://dns.lab/dns-query) */
  doh: '198.18.1.2',
  /** the control helper */
  helper: '198.18.1.3',
  /** a public recursive resolver, like 8.8.8.8 */
  publicResolver: '198.18.1.53',
} as const;
export const INFRA_ASN = { asn: 64511, org: 'Lab Public Services', cc: 'NL' } as const;
export const HELPER_PORT = 80;
export const DOH_NAME = 'dns.lab';
export const HELPER_NAME = 'helper.lab';

/** Default sites live in 198.18.2.0/24, scenario sites in 198.18.3.0/24 and up. */
export const SITE_PREFIX = '198.18.0.0/16';
export const SCENARIO_SITE_BASE = [198, 18, 3, 1] as const;

export interface IspInfo {
  /** 1-based index, also the third octet of its block */
  index: number;
  /** short id used on the command line: isp1, isp2… */
  id: string;
  asn: number;
  org: string;
  cc: string;
}

/** Kazakh-like networks (lab data: the numbers are real ASNs, the lab's behaviour is invented). */
export const DEFAULT_ISPS: readonly Omit<IspInfo, 'index' | 'id'>[] = [
  { asn: 9198, org: 'JSC Kazakhtelecom', cc: 'KZ' },
  { asn: 206026, org: 'Kar-Tel LLC (Beeline KZ)', cc: 'KZ' },
  { asn: 21299, org: 'Kcell JSC', cc: 'KZ' },
  { asn: 41798, org: 'Transtelecom JSC', cc: 'KZ' },
  { asn: 35104, org: 'Jusan Mobile JSC', cc: 'KZ' },
  { asn: 29355, org: 'Kcell (mobile)', cc: 'KZ' },
];
export const MAX_ISPS = DEFAULT_ISPS.length;

export interface IspPlan extends IspInfo {
  routerNs: string;
  subscriberNs: string;
  /** /30 between the internet and the router */
  transit: { internet: string; router: string; internetIf: string; routerIf: string };
  /** /30 between the router and the subscriber */
  access: { router: string; subscriber: string; routerIf: string; subscriberIf: string };
  /** the ISP's resolver (on the router's loopback) */
  resolver: string;
  /** the ISP's block-page host (on the router's loopback) */
  blockpage: string;
  /** the ISP's whole block, routed from the internet to the router */
  prefix: string;
  /**
   * Open resolvers of businesses inside the ISP (on the router's loopback, forwarding like the ISP's own): the
   * censor's DNS rules rewrite their answers too. Remote measurement (`blockwatch remote`) asks them from outside.
   */
  openResolvers: string[];
  /** A web server inside the ISP serving an unrelated site (Hyperquack's vantage point), behind the ISP's filter. */
  hostingServer: string;
}

export interface LabPlan {
  isps: IspPlan[];
}

export function createPlan(ispCount: number): LabPlan {
  const isps: IspPlan[] = [];
  for (let index = 1; index <= ispCount; index++) {
    const info = DEFAULT_ISPS[index - 1];
    const id = `isp${index}`;
    isps.push({
      index,
      id,
      ...info,
      routerNs: `${NAMESPACE_PREFIX}${id}`,
      subscriberNs: `${NAMESPACE_PREFIX}${id}-sub`,
      transit: {
        internet: `198.18.0.${4 * index + 1}`,
        router: `198.18.0.${4 * index + 2}`,
        internetIf: `to-${id}`,
        routerIf: 'up0',
      },
      access: { router: `198.19.${index}.1`, subscriber: `198.19.${index}.2`, routerIf: 'sub0', subscriberIf: 'eth0' },
      resolver: `198.19.${index}.53`,
      blockpage: `198.19.${index}.80`,
      prefix: `198.19.${index}.0/24`,
      openResolvers: [`198.19.${index}.54`, `198.19.${index}.55`],
      hostingServer: `198.19.${index}.100`,
    });
  }
  return { isps };
}

/** Finds an ISP by id (isp1), index (1) or ASN (AS9198, 9198). */
export function findIsp(plan: LabPlan, key: string): IspPlan | undefined {
  const k = key.trim().toLowerCase();
  return plan.isps.find(
    (isp) => isp.id === k || String(isp.index) === k || `as${isp.asn}` === k || String(isp.asn) === k,
  );
}

/** True when `ip` is an IPv4 address inside 198.18.0.0/15. */
export function isLabAddress(ip: string): boolean {
  const m = /^198\.(18|19)\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return m !== null && Number(m[2]) <= 255 && Number(m[3]) <= 255;
}

/** True when `ip` sits in some ISP's block (the "client's network" that servers may treat differently). */
export function ispOfAddress(plan: LabPlan, ip: string): IspPlan | undefined {
  return plan.isps.find((isp) => ip.startsWith(`198.19.${isp.index}.`));
}
