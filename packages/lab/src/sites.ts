/**
 * Simulated sites: the declaration format (shared with scenario files), the default catalogue of lab-made news
 * sites, and the page renderer. Pure: the web server in `daemons/internet.ts` serves what this module describes.
 *
 * Every site has its own address, HTTP on :80 and HTTPS on :443 with a lab-CA certificate (unless it declares a
 * certificate fault). Besides its declared pages, every site answers a few built-in paths that scenarios use for
 * hostile or unusual servers: /chain/N (N redirects), /loop (endless redirect), /large?bytes=N (a big body).
 */
import { domainToASCII } from 'node:url';
import { z } from 'zod';

export const CERT_KINDS = ['valid', 'expired', 'wrong-name', 'self-signed', 'none'] as const;
export type CertKind = (typeof CERT_KINDS)[number];

const ipv4 = z
  .string()
  .regex(/^198\.1[89]\.\d{1,3}\.\d{1,3}$/, 'expected an IPv4 address in the lab range 198.18.0.0/15');

export const pageSchema = z.strictObject({
  status: z.number().int().min(100).max(599).optional(),
  title: z.string().optional(),
  /** HTML for inside <main>; a news-like article is generated when absent */
  body: z.string().optional(),
  /** the whole response body verbatim (no template) */
  raw: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** 3xx target (absolute URL or path); status defaults to 302 */
  redirect: z.string().optional(),
  /** pad the page to at least this many bytes */
  sizeBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * 1024 * 1024)
    .optional(),
});
export type PageSpec = z.infer<typeof pageSchema>;

export const siteSchema = z.strictObject({
  /** primary name; Unicode (IDN) names are accepted and served under their ASCII (xn--) form */
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).optional(),
  /** omitted in scenario files: the lab assigns one from 198.18.3.0/24 */
  address: ipv4.optional(),
  /** hosting network, for the ASN registry */
  asn: z.number().int().min(1).max(4294967295).optional(),
  org: z.string().optional(),
  /** no server at all: connections are refused (a site that is down) */
  down: z.boolean().optional(),
  /** the HTTPS certificate: valid (lab CA), expired, wrong-name, self-signed, none (no HTTPS listener) */
  cert: z.enum(CERT_KINDS).optional(),
  /** short description for the page template */
  kind: z.enum(['news', 'generic']).optional(),
  pages: z.record(z.string().regex(/^\//, 'page paths start with /'), pageSchema).optional(),
  /** pages served instead to clients from some network: "isp" (any lab ISP), "isp2", or a CIDR */
  byNetwork: z.array(z.strictObject({ from: z.string().min(1), pages: z.record(z.string(), pageSchema) })).optional(),
  /**
   * Geo-DNS (a CDN): resolvers in `from` ("isp", "isp2" or a CIDR) get `address` instead, where the same site is
   * served with the same certificate. Not censorship: answers differ by location.
   */
  geoDns: z.array(z.strictObject({ from: z.string().min(1), address: ipv4 })).optional(),
});
export type SiteSpec = z.infer<typeof siteSchema>;

/** A site with everything resolved: ASCII names, an address. */
export interface Site extends SiteSpec {
  address: string;
  /** ASCII (punycode) names, primary first */
  names: string[];
}

/** Converts a (possibly Unicode) host name to its ASCII form; throws on names that cannot be one. */
export function asciiName(name: string): string {
  const ascii = domainToASCII(name.trim().replace(/\.$/, ''));
  if (!ascii) throw new Error(`'${name}' is not a valid host name`);
  return ascii.toLowerCase();
}

export function resolveSite(spec: SiteSpec & { address: string }): Site {
  const names = [spec.name, ...(spec.aliases ?? [])].map(asciiName);
  return { ...spec, names };
}

// The catalogue. Addresses 198.18.2.0/24. ASNs: lab-invented hosting networks (private-use numbers).
// biome-ignore format: one site per line reads best
export const DEFAULT_SITES: readonly (SiteSpec & { address: string })[] = [
  { name: 'dailymail.lab', aliases: ['www.dailymail.lab'], address: '198.18.2.10', asn: 64600, org: 'Lab Media Hosting', kind: 'news', pages: { '/': { title: 'Daily Mail Online | Lab Edition' }, '/news/article-13024581/': { title: 'Steppe town wakes to find its river has moved overnight | Daily Mail Online' }, '/news/article-2846481/Officials-accused-over-missing-lake-funds.html': { title: 'Officials accused over the lake that vanished with its funds | Daily Mail Online' } } },
  { name: 'azattyq.lab', aliases: ['www.azattyq.lab'], address: '198.18.2.11', asn: 64601, org: 'Lab Broadcast CDN', kind: 'news', pages: { '/': { title: 'Азаттық радиосы' } } },
  { name: 'eurasianet.lab', aliases: ['www.eurasianet.lab'], address: '198.18.2.12', asn: 64600, org: 'Lab Media Hosting', kind: 'news', pages: { '/': { title: 'Eurasianet' } } },
  { name: 'meduza.lab', address: '198.18.2.13', asn: 64602, org: 'Lab Cloud Europe', kind: 'news', pages: { '/': { title: 'Медуза' } } },
  { name: 'vlast.lab', address: '198.18.2.14', asn: 64603, org: 'Lab Almaty Hosting', kind: 'news', pages: { '/': { title: 'Власть' } } },
  { name: 'kloop.lab', address: '198.18.2.15', asn: 64602, org: 'Lab Cloud Europe', kind: 'news', pages: { '/': { title: 'Kloop' } } },
  { name: 'wikipedia.lab', aliases: ['kk.wikipedia.lab'], address: '198.18.2.16', asn: 64604, org: 'Lab Encyclopedia Foundation', kind: 'generic', pages: { '/': { title: 'Уикипедия — ашық энциклопедия' } } },
  { name: 'tengrinews.lab', address: '198.18.2.17', asn: 64603, org: 'Lab Almaty Hosting', kind: 'news', pages: { '/': { title: 'Tengrinews' } } },
  { name: 'change.lab', address: '198.18.2.18', asn: 64605, org: 'Lab Petitions Inc', kind: 'generic', pages: { '/': { title: 'Change — the world’s platform for change' } } },
  { name: 'protonvpn.lab', address: '198.18.2.19', asn: 64606, org: 'Lab Privacy AG', kind: 'generic', pages: { '/': { title: 'Proton VPN: secure and free VPN' } } },
  { name: 'twimg.lab', aliases: ['bank.lab'], address: '198.18.2.20', asn: 64607, org: 'Lab Shared CDN', kind: 'generic', pages: { '/': { title: 'Shared CDN edge' } } },
  { name: 'жаңалықтар.lab', address: '198.18.2.21', asn: 64603, org: 'Lab Almaty Hosting', kind: 'news', pages: { '/': { title: 'Жаңалықтар' } } },
  { name: 'big.lab', address: '198.18.2.22', asn: 64607, org: 'Lab Shared CDN', kind: 'generic', pages: { '/': { title: 'Big file mirror', sizeBytes: 2 * 1024 * 1024 }, '/clip.html': { title: 'Half-megabyte clip page', sizeBytes: 512 * 1024 } } },
  // Not censorship: faults that a careless engine would call blocking.
  { name: 'expired.lab', address: '198.18.2.30', asn: 64608, org: 'Lab Small Business Hosting', cert: 'expired', kind: 'generic' },
  { name: 'wrong-name.lab', address: '198.18.2.31', asn: 64608, org: 'Lab Small Business Hosting', cert: 'wrong-name', kind: 'generic' },
  { name: 'down.lab', address: '198.18.2.32', asn: 64608, org: 'Lab Small Business Hosting', down: true },
  { name: 'captcha.lab', address: '198.18.2.33', asn: 64607, org: 'Lab Shared CDN', kind: 'news', pages: { '/': { title: 'Captcha Protected News' } }, byNetwork: [{ from: 'isp', pages: { '/': { status: 403, title: 'Just a moment...', headers: { 'cf-mitigated': 'challenge' }, body: '<h1>Checking your browser before accessing captcha.lab</h1><p>This process is automatic. Ray ID: 8f1c2a3b4d5e6f70</p>' } } }] },
  { name: 'self-signed.lab', address: '198.18.2.34', asn: 64608, org: 'Lab Small Business Hosting', cert: 'self-signed', kind: 'generic' },
];

const PARAGRAPHS = [
  'Residents gathered in the central square on Tuesday morning as officials announced the results of the spring survey. The figures, published in full on the regional portal, surprised many observers.',
  'Analysts in the capital said the change reflected a broader shift in how local budgets are planned, with more weight given to transport and water infrastructure than in previous years.',
  'The ministry did not respond to a request for comment. A spokesperson for the city council said further details would be released after the next session of the assembly.',
  'Farmers in the northern districts reported an early harvest, while wholesale prices for flour remained stable for the third month in a row, according to market data.',
  'Journalists who covered the hearings described long queues outside the courthouse and a heavy police presence, though no arrests were reported during the day.',
  'Independent researchers have called for the underlying data to be published so that the methodology can be checked, a request the agency says it is considering.',
];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** Deterministic page HTML: the same site and path always give the same bytes (control and probe compare them). */
export function renderPage(site: Site, path: string, page: PageSpec): string {
  if (page.raw !== undefined) return pad(page.raw, page.sizeBytes);
  const title = page.title ?? `${site.names[0]}${path === '/' ? '' : ` — ${path}`}`;
  let main = page.body;
  if (main === undefined) {
    // Pick paragraphs from a hash of name+path so pages differ between sites but never between requests.
    let h = 0;
    for (const c of `${site.name}${path}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const paras = Array.from({ length: 4 + (h % 3) }, (_, i) => PARAGRAPHS[(h + i * 7) % PARAGRAPHS.length]);
    main =
      site.kind === 'news'
        ? `<article><h1>${escapeHtml(title)}</h1><p class="byline">By the lab desk</p>${paras.map((p) => `<p>${p}</p>`).join('')}</article>`
        : `<section><h1>${escapeHtml(title)}</h1>${paras
            .slice(0, 2)
            .map((p) => `<p>${p}</p>`)
            .join('')}</section>`;
  }
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="viewport" content="width=device-width"></head>
<body>
<header><a href="/">${escapeHtml(site.name)}</a><nav><a href="/news/">News</a> <a href="/world/">World</a> <a href="/opinion/">Opinion</a></nav></header>
<main>${main}</main>
<footer><p>Lab-made content for the blockwatch censorship lab. Not a real publication.</p></footer>
</body>
</html>
`;
  return pad(html, page.sizeBytes);
}

function pad(html: string, sizeBytes: number | undefined): string {
  const length = Buffer.byteLength(html);
  if (!sizeBytes || length >= sizeBytes) return html;
  // An HTML comment keeps the page valid at any size.
  const filler = sizeBytes - length - 9;
  return `${html}<!-- ${'x'.repeat(Math.max(0, filler))} -->`;
}

/** True when `clientIp` belongs to the network a `byNetwork.from` names ("isp", "isp2", a CIDR). */
export function networkMatches(from: string, clientIp: string): boolean {
  const isp = /^isp(\d+)?$/.exec(from);
  if (isp) return isp[1] ? clientIp.startsWith(`198.19.${isp[1]}.`) : clientIp.startsWith('198.19.');
  return cidrContainsV4(from, clientIp);
}

export function cidrContainsV4(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4ToInt(base);
  const b = ipv4ToInt(ip);
  if (a === null || b === null || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

export function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}
