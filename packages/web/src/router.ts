/**
 * Routing on the history API (no hash): every page and every filter lives in the URL, so a link is a deep link.
 *
 * The route table is data; `matchRoute` is pure (tested without a browser). Navigation notifies subscribers,
 * which React reads through `useSyncExternalStore`.
 */
import { useSyncExternalStore } from 'react';

export type RouteName =
  | 'overview'
  | 'country'
  | 'network'
  | 'domain'
  | 'url'
  | 'measurement'
  | 'search'
  | 'chart'
  | 'events'
  | 'event'
  | 'registry'
  | 'not-found';

export interface RouteMatch {
  name: RouteName;
  params: Record<string, string>;
}

// biome-ignore format: one row per route reads best
const ROUTES: [RouteName, RegExp, string[]][] = [
  ['overview', /^\/$/, []],
  ['country', /^\/country\/([A-Za-z]{2})\/?$/, ['cc']],
  ['network', /^\/network\/(?:AS)?(\d+)\/?$/i, ['asn']],
  ['domain', /^\/domain\/([^/]+)\/?$/, ['domain']],
  ['url', /^\/url\/?$/, []],
  ['measurement', /^\/m\/([^/]+)\/?$/, ['uid']],
  ['search', /^\/search\/?$/, []],
  ['chart', /^\/chart\/?$/, []],
  ['events', /^\/events\/?$/, []],
  ['event', /^\/events\/([^/]+)\/?$/, ['id']],
  ['registry', /^\/registry\/?$/, []],
];

export function matchRoute(pathname: string): RouteMatch {
  for (const [name, pattern, keys] of ROUTES) {
    const m = pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = safeDecode(m[i + 1] ?? '');
    });
    if (params.cc) params.cc = params.cc.toUpperCase();
    return { name, params };
  }
  return { name: 'not-found', params: {} };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

const listeners = new Set<() => void>();
function notify(): void {
  for (const listener of listeners) listener();
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('popstate', notify);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

export function navigate(to: string, options: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  if (!options.keepScroll) window.scrollTo(0, 0);
  notify();
}

/** The current path and query string; re-renders on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(
    subscribe,
    () => location.pathname + location.search,
    () => '/',
  );
  const q = href.indexOf('?');
  return q < 0 ? { pathname: href, search: '' } : { pathname: href.slice(0, q), search: href.slice(q) };
}

/** The query string as a plain record (first value of each key) plus a setter that keeps the URL the source of truth. */
export function useQuery(): [Record<string, string>, (changes: Record<string, string | null | undefined>) => void] {
  const { pathname, search } = useLocation();
  const query = Object.fromEntries(new URLSearchParams(search));
  const setQuery = (changes: Record<string, string | null | undefined>) => {
    navigate(pathname + toQueryString({ ...query, ...changes }), { replace: true, keepScroll: true });
  };
  return [query, setQuery];
}

/** `?a=1&b=2` from a record, dropping empty values; '' when nothing is left. */
export function toQueryString(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
