/**
 * Page titles, exactly as OONI extracts them (measurexlite/web.go, research/web-connectivity.md §1.3): the first
 * case-insensitive `<title>` followed by 1 to 512 characters that are not `<`, then `</title>`; otherwise "".
 * Probe and control helper must use the same rule, or `title_match` compares apples with oranges.
 */
const TITLE = /<title>([^<]{1,512})<\/title>/i;

export function extractTitle(body: string): string {
  return TITLE.exec(body)?.[1] ?? '';
}
