/**
 * Comparing the probe's final HTTP response with the control's (web-connectivity.md §1.3 for v0.4, §2.3 for v0.5).
 * The two versions differ in small ways that decide real verdicts, so each rule is written out twice rather than
 * parameterised.
 */
import { utf8Length } from './utf8-length.ts';

/** Header names too common to tell two servers apart (same list in v0.4 and v0.5). */
const COMMON_HEADERS = new Set([
  'date',
  'content-type',
  'server',
  'cache-control',
  'vary',
  'set-cookie',
  'location',
  'expires',
  'x-powered-by',
  'content-encoding',
  'last-modified',
  'accept-ranges',
  'pragma',
  'x-frame-options',
  'etag',
  'x-content-type-options',
  'age',
  'via',
  'p3p',
  'x-xss-protection',
  'content-language',
  'cf-ray',
  'strict-transport-security',
  'link',
  'x-varnish',
]);

const TITLE = /<title>([^<]{1,512})<\/title>/i;

/** The page title as OONI extracts it: the first `<title>` with 1..512 characters that are not `<`. */
export function extractTitle(body: string): string {
  return TITLE.exec(body)?.[1] ?? '';
}

export interface ProbeResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  bodyBytes: number;
  /** the body's title when the caller already knows it (extracted from `body` otherwise) */
  title?: string;
  truncated: boolean;
}

export interface ControlPage {
  status: number;
  bodyLength: number;
  title: string;
  headers: Map<string, string>;
}

export interface HttpComparison {
  body_length_match: boolean | null;
  body_proportion: number;
  status_code_match: boolean | null;
  headers_match: boolean | null;
  title_match: boolean | null;
}

export const NO_COMPARISON: HttpComparison = {
  body_length_match: null,
  body_proportion: 0,
  status_code_match: null,
  headers_match: null,
  title_match: null,
};

function bodyCheck(probe: ProbeResponse, control: ControlPage) {
  if (control.bodyLength <= 0 || probe.truncated || probe.bodyBytes <= 0) return { match: null, proportion: 0 };
  const proportion = Math.min(probe.bodyBytes, control.bodyLength) / Math.max(probe.bodyBytes, control.bodyLength);
  return { match: proportion > 0.7, proportion };
}

/** Words of at least 5 bytes, lower-cased: the unit of title comparison. */
function titleWords(title: string, bit: number, into: Map<string, number>) {
  for (const word of title.split(' ')) {
    if (utf8Length(word) >= 5) {
      const w = word.toLowerCase();
      into.set(w, (into.get(w) ?? 0) | bit);
    }
  }
}

function titlesAgree(probeTitle: string, controlTitle: string): boolean {
  const words = new Map<string, number>();
  titleWords(probeTitle, 1, words);
  titleWords(controlTitle, 2, words);
  for (const v of words.values()) if (v !== 3) return false;
  return true;
}

function uncommonIntersection(probe: Map<string, string>, control: Map<string, string>): boolean {
  for (const name of control.keys()) if (!COMMON_HEADERS.has(name) && probe.has(name)) return true;
  return false;
}

/** v0.4 (`httpanalysis.go`): the probe side is `requests[0]`, the final response. */
export function compareV04(probe: ProbeResponse | null, control: ControlPage | null): HttpComparison {
  if (!probe || !control) return NO_COMPARISON;
  const body = bodyCheck(probe, control);
  let status: boolean | null = null;
  if (control.status > 0 && probe.status > 0) {
    if (probe.status === control.status) status = true;
    else if (Math.floor(control.status / 100) !== 5) status = false;
  }
  let headers: boolean | null = null;
  if (probe.status > 0 && control.status > 0) {
    const same =
      probe.headers.size === control.headers.size && [...probe.headers.keys()].every((k) => control.headers.has(k));
    headers = same || uncommonIntersection(probe.headers, control.headers);
  }
  let title: boolean | null = null;
  if (probe.status > 0 && !probe.truncated && control.status > 0) {
    const probeTitle = probe.title ?? extractTitle(probe.body);
    if (probeTitle !== '') title = titlesAgree(probeTitle, control.title);
  }
  return {
    body_length_match: body.match,
    body_proportion: body.proportion,
    status_code_match: status,
    headers_match: headers,
    title_match: title,
  };
}

/** v0.5 (`minipipeline/httpdiff.go`): stricter status rule, no identical-set shortcut, empty titles agree. */
export function compareV05(probe: ProbeResponse | null, control: ControlPage | null): HttpComparison {
  if (!probe || !control) return NO_COMPARISON;
  const body = bodyCheck(probe, control);
  let status: boolean | null = null;
  if (control.status > 0 && probe.status > 0) {
    if (probe.status === control.status) status = true;
    else if (Math.floor(control.status / 100) === 2) status = false;
  }
  const headers = control.status > 0 ? uncommonIntersection(probe.headers, control.headers) : null;
  const title = control.status > 0 ? titlesAgree(probe.title ?? extractTitle(probe.body), control.title) : null;
  return {
    body_length_match: body.match,
    body_proportion: body.proportion,
    status_code_match: status,
    headers_match: headers,
    title_match: title,
  };
}

/** The HTTP-diff rule shared by both versions: same status and one of length, headers or title agreeing. */
export function isHttpDiff(c: HttpComparison): boolean {
  return !(
    c.status_code_match === true &&
    (c.body_length_match === true || c.headers_match === true || c.title_match === true)
  );
}
