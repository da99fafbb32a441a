/**
 * `npm run accuracy -- verdicts`: how far the verdict engine agrees with OONI, written to docs/accuracy.md.
 *
 * 1. Every real web_connectivity measurement of the reference data: our blocking/accessible against the probe's
 *    own (index.csv `probe`), our anomaly/confirmed/failure against OONI's fastpath (`fastpath`), and the
 *    fingerprints the fastpath reported. Every disagreement must have an explanation below, or the script fails.
 * 2. Analyst labels and the 2024 Kazakhstan report: how many come with a raw measurement, and the mechanisms they
 *    name, replayed as synthetic measurements.
 */
import { readFileSync } from 'node:fs';
import { parseCsv } from '../packages/blockwatch/src/verdict/csv.ts';
import {
  analyzeMeasurement,
  createFingerprintSet,
  parseFingerprintCsv,
} from '../packages/blockwatch/src/verdict/index.ts';
import { type Mechanism, syntheticMeasurement } from '../packages/blockwatch/src/verdict/synthetic.ts';
import { writeAccuracySection } from './_accuracy-doc.ts';

const DATA = new URL('../../shared/data/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, DATA), 'utf8');
const fingerprints = createFingerprintSet(
  parseFingerprintCsv(read('fingerprints/fingerprints_dns.csv'), 'dns'),
  parseFingerprintCsv(read('fingerprints/fingerprints_http.csv'), 'http'),
);

function table(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  const names = header?.fields ?? [];
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r.fields[i] ?? ''])));
}

/** Why we differ from OONI, per file and comparison; each claim cites what the measurement itself records. */
const EXPLAINED: Record<string, string> = {
  'backend-fastpath__web_connectivity_no_body.json probe':
    'Measurement Kit quirk (test_version 0.0.1): it wrote accessible=true although neither side fetched the page: `requests[0].failure` is "ssl_error: … certificate verify failed" and the control\'s `http_request` failed with `unknown_error` (status -1). With both fetches failed we say website down (false/false), the value OONI\'s later engines give; anomaly/confirmed/failure agree.',
  'probecli-manual-8844__measurement.json probe':
    "OONI limitation (v0.5.28, IP-literal URL `https://8.8.4.4/dns-query…`): the classic filter keeps only endpoints whose address came from getaddrinfo, and an IP-literal URL has no lookup, so the walk finds nothing and leaves null/null. The page was fetched over HTTPS (status 200, TLS handshake OK, control OK) and the probe's own `x_blocking_flags` is 32 (success). We keep the endpoint (unknown origin) and say accessible.",
  'probecli-manual-8844__measurement.json fastpath':
    "Follows from the classic verdict above: OONI's null/null makes the fastpath call it a failure (F=1); our accessible verdict is not a failure.",
  'probecli-manual-dnsgoogle80__measurement.json probe':
    'Engine version (v0.5.26): every fetching connection to :80 timed out (`generic_timeout_error`) and so did the control\'s (`control.tcp_connect["8.8.8.8:80"].failure = generic_timeout_error`). v0.5.26 predates the "null-null" fixes (ooni/probe#2299 and siblings); v0.5.28\'s rule for a failure on both sides gives website down (blocking=false, accessible=false), which we apply.',
  'probecli-manual-dnsgoogle80__measurement.json fastpath':
    'Follows from the classic verdict above (null/null is a fastpath failure; website down is not).',
  'backend-fastpath__web_connectivity_b64_incorrect.json fastpath':
    'OONI fastpath error: the response body is `{"format":"base64","data":"aGk"}`, base64 without its padding; Python\'s decoder rejects it ("Incorrect padding") and the fastpath scores the measurement as failed. The probe\'s own verdict (blocking=false, accessible=true, all HTTP keys matching) is sound and we agree with it.',
};

/** Fingerprints we report and the fastpath did not: why. */
const EXTRA_FINGERPRINTS: Record<string, string> = {
  'cp.fp_r_fp_6':
    'a `regexp` row (`<meta name=.*twitter:card`): we match it as a regular expression; the fastpath searches the literal text, which never occurs. Scope `fp`, so it changes no verdict.',
  'cl.isp_ru_nevalink_forward':
    'a `header.location` row (`89.223.47.135`, scope isp): the Location header of the redirect to the RU block page. The fastpath run in the fixture predates this row or only matches headers with `full`/`prefix`; it is an ISP block-page redirect, so confirming it is right (the measurement is confirmed either way).',
  'cl.prod_checkpoint_urlfilter_forward':
    'a `header.location` `contains` row (`/UserCheck/PortalMain?IID=`): the 307 redirect goes to a Check Point URL filter portal. The fastpath matches headers only with `full`/`prefix`. Scope prod without AU in its countries: evidence of a filter, not a confirmation.',
};

interface Row {
  file: string;
  engine: string;
  probe: string;
  ours: string;
  fastpath: string;
  oursFast: string;
  outcome: string;
  method: string;
  fastFps: string[];
  ourFps: string[];
}

const rows: Row[] = [];
const index = table(read('ooni/measurements/index.csv')).filter((r) => r.test_name === 'web_connectivity');
for (const r of index) {
  const m = JSON.parse(read(`ooni/measurements/${r.file}`));
  const v = analyzeMeasurement(m, { fingerprints });
  const probe = /blocking=([^;]*); accessible=(\w+)/.exec(r.probe ?? '');
  const fast = /A=(\d) C=(\d) F=(\d)/.exec(r.fastpath ?? '');
  const fps = /fp=([^ ]+)/.exec(r.fastpath ?? '');
  rows.push({
    file: r.file as string,
    engine: `${m.test_version ?? '?'} → ${v.engine}`,
    probe: probe ? `${probe[1]} / ${probe[2]}` : 'null / null',
    ours: `${v.blocking} / ${v.accessible}`,
    fastpath: fast ? `${fast[1]}/${fast[2]}/${fast[3]}` : '',
    oursFast: `${+v.anomaly}/${+v.confirmed}/${+v.failure}`,
    outcome: v.outcome,
    method: v.methods.join('+') || '-',
    fastFps: [...new Set(fps ? (fps[1] as string).split(',') : [])].sort(),
    ourFps: [...new Set(v.fingerprints.map((f) => f.name))].sort(),
  });
}

const disagreements: { file: string; kind: string; text: string | undefined }[] = [];
for (const r of rows) {
  if (r.probe !== r.ours) disagreements.push({ file: r.file, kind: 'probe', text: EXPLAINED[`${r.file} probe`] });
  if (r.fastpath && r.fastpath !== r.oursFast)
    disagreements.push({ file: r.file, kind: 'fastpath', text: EXPLAINED[`${r.file} fastpath`] });
}
const missedFps = rows.flatMap((r) => r.fastFps.filter((f) => !r.ourFps.includes(f)).map((f) => `${r.file}: ${f}`));
const extraFps = [...new Set(rows.flatMap((r) => r.ourFps.filter((f) => !r.fastFps.includes(f))))].sort();

const count = (pred: (r: Row) => boolean, of: Row[] = rows) => `${of.filter(pred).length}/${of.length}`;
const withFast = rows.filter((r) => r.fastpath);
const flag = (s: string, i: number) => s.split('/')[i];

// --- labels and the KZ report -------------------------------------------------------------------------------
const available = new Set(index.map((r) => r.file));
const labels = table(read('ooni/labels/measurement-labels.csv'));
const labelledAvailable = labels.filter((l) => [...available].some((f) => f.includes(l.measurement_uid as string)));
const LABEL_TO_SYNTHETIC: Record<string, Mechanism> = {
  'dns.nxdomain': 'dns.nxdomain',
  'dns.injection.blockpage': 'dns.injection.blockpage',
  'dns.injection.bogon': 'dns.injection.bogon',
  'tcp.timeout': 'tcp.timeout',
  'tls.reset.sni': 'tls.reset',
  'tls.reset': 'tls.reset',
  'tls.reset.other': 'tls.reset',
  'tls.timeout': 'tls.timeout',
  'tls.timeout.sni': 'tls.timeout',
};
const mechanismCounts = new Map<string, number>();
for (const l of labels) {
  const list = JSON.parse((l.mechanisms as string) || '[]') as string[];
  const key = l.label === 'blocked' ? (list[0] ?? 'blocked (no mechanism)') : (l.label as string);
  mechanismCounts.set(key, (mechanismCounts.get(key) ?? 0) + 1);
}
const labelRows: string[] = [];
for (const [mechanism, n] of [...mechanismCounts.entries()].sort((a, b) => b[1] - a[1])) {
  const synthetic: Mechanism | undefined =
    mechanism === 'ok' ? 'ok' : mechanism === 'down' ? 'down' : LABEL_TO_SYNTHETIC[mechanism];
  if (!synthetic) {
    labelRows.push(`| ${mechanism} | ${n} | (no synthetic case) | | |`);
    continue;
  }
  const v = analyzeMeasurement(syntheticMeasurement(synthetic), { fingerprints });
  labelRows.push(`| ${mechanism} | ${n} | ${synthetic} | ${v.outcome} | ${v.method ?? '-'} (OONI: ${v.blocking}) |`);
}

const kz = table(read('ooni/verdicts/ooni_report_KZ_2024_domain_verdicts.csv'));
let kzAgree = 0;
const kzByKind = new Map<string, { n: number; agree: number; method: string }>();
for (const row of kz) {
  const mechanism: Mechanism =
    row.ooni_report_verdict === 'accessible'
      ? 'ok'
      : row.mechanism?.startsWith('tls.mitm')
        ? 'tls.mitm'
        : 'tls.timeout';
  const v = analyzeMeasurement(syntheticMeasurement(mechanism, { host: row.domain as string }), { fingerprints });
  const expected = mechanism === 'ok' ? 'accessible' : 'blocked';
  const ok =
    v.outcome === expected &&
    (mechanism === 'ok' || v.method === (mechanism === 'tls.mitm' ? 'tls_interception' : 'tls'));
  if (ok) kzAgree++;
  const e = kzByKind.get(mechanism) ?? { n: 0, agree: 0, method: v.method ?? '-' };
  e.n++;
  if (ok) e.agree++;
  kzByKind.set(mechanism, e);
}
const kzCited = table(read('ooni/verdicts/ooni_report_KZ_2024_cited_measurements.csv'));
const kzCitedAvailable = kzCited.filter((c) => [...available].some((f) => f.includes(c.measurement_uid as string)));

// --- the document ------------------------------------------------------------------------------------------
const md: string[] = [];
md.push('## Verdicts: agreement with OONI');
md.push('');
md.push(
  `Generated by \`npm run accuracy -- verdicts\` (scripts/accuracy-verdicts.ts) on ${new Date().toISOString().slice(0, 10)}: the engine (\`packages/blockwatch/src/verdict\`) run on every \`web_connectivity\` measurement of \`../shared/data/ooni/measurements/\` with the OONI fingerprints of \`../shared/data/fingerprints/\`, compared with \`index.csv\`. The test \`verdict/agreement.test.ts\` asserts each value below.`,
);
md.push('');
md.push('| comparison | agreement |');
md.push('|---|---|');
md.push(`| blocking and accessible = the probe's own verdict | ${count((r) => r.probe === r.ours)} |`);
md.push(`| anomaly = OONI fastpath | ${count((r) => flag(r.fastpath, 0) === flag(r.oursFast, 0), withFast)} |`);
md.push(`| confirmed = OONI fastpath | ${count((r) => flag(r.fastpath, 1) === flag(r.oursFast, 1), withFast)} |`);
md.push(`| failure = OONI fastpath | ${count((r) => flag(r.fastpath, 2) === flag(r.oursFast, 2), withFast)} |`);
md.push(
  `| fingerprints the fastpath reported, also found by us | ${rows.reduce((n, r) => n + r.fastFps.filter((f) => r.ourFps.includes(f)).length, 0)}/${rows.reduce((n, r) => n + r.fastFps.length, 0)} |`,
);
md.push('');
md.push('Files without a probe verdict (`test_keys: null`) count as agreeing when we say null/null.');
md.push('');
md.push('| file | engine | OONI blocking / accessible | ours | OONI A/C/F | ours | our outcome | our method |');
md.push('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const mark = (a: string, b: string) => (a && a !== b ? `**${b}**` : b);
  md.push(
    `| ${r.file.replace(/\.json$/, '')} | ${r.engine} | ${r.probe} | ${mark(r.probe, r.ours)} | ${r.fastpath || '-'} | ${mark(r.fastpath, r.oursFast)} | ${r.outcome} | ${r.method} |`,
  );
}
md.push('');
md.push('### Every disagreement, explained');
md.push('');
for (const d of disagreements)
  md.push(
    `- **${d.file}** (${d.kind === 'probe' ? 'blocking/accessible' : 'anomaly/confirmed/failure'}): ${d.text ?? 'UNEXPLAINED'}`,
  );
md.push('');
md.push('Fingerprints we report beyond the fastpath:');
md.push('');
for (const f of extraFps) md.push(`- \`${f}\`: ${EXTRA_FINGERPRINTS[f] ?? 'UNEXPLAINED'}`);
if (missedFps.length) md.push('', `Fingerprints the fastpath found and we did not: ${missedFps.join('; ')}`);
md.push('');
md.push('### Analyst labels and the 2024 Kazakhstan report');
md.push('');
md.push(
  `- \`ooni/labels/measurement-labels.csv\`: ${labels.length} labels; ${labelledAvailable.length} of them have their raw measurement in the reference data, so none can be re-analysed. The mechanisms they name, replayed as synthetic measurements (\`verdict/synthetic.ts\`; a check of the mapping, not of field accuracy):`,
);
md.push('');
md.push('| label (first mechanism) | labels | synthetic case | our outcome | our method (OONI blocking) |');
md.push('|---|---|---|---|---|');
md.push(...labelRows);
md.push('');
md.push(
  `- \`ooni/verdicts/ooni_report_KZ_2024_domain_verdicts.csv\`: ${kz.length} domains. Replaying each domain with the mechanism the report names (TLS handshake timeout after the ClientHello, interception by the ISCA root, or reachable) gives the report's verdict and method for ${kzAgree}/${kz.length}: ${[...kzByKind.entries()].map(([k, e]) => `${k} ${e.agree}/${e.n} → ${e.method}`).join(', ')}. The report's ${kzCited.length} cited measurements are not in the reference data (${kzCitedAvailable.length} available); the ISCA issuer case is covered by \`verdict/scenarios.test.ts\` with a real DER certificate.`,
);
md.push(
  "- OONI's classic verdict has no TLS value: the KZ timeouts are `http-failure` there, and interception that the probe's trust store accepts is `accessible`. Our `method` separates `tls` and `tls_interception`.",
);
writeAccuracySection('verdicts', md.join('\n'));

const unexplained = disagreements.filter((d) => !d.text).length + extraFps.filter((f) => !EXTRA_FINGERPRINTS[f]).length;
console.error(
  `verdicts: ${count((r) => r.probe === r.ours)} probe verdicts agree, ${disagreements.length} disagreements (${unexplained} unexplained); wrote docs/accuracy.md`,
);
process.exit(unexplained > 0 ? 1 : 0);
