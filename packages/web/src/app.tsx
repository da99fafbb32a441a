/** The shell: header with navigation and language switch, the routed page, a footer. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { preloadCharts } from './components/chart.tsx';
import { Link } from './components/link.tsx';
import {
  createI18n,
  I18nContext,
  initialLanguage,
  isLanguage,
  LANGUAGES,
  type Language,
  saveLanguage,
  useI18n,
} from './i18n/index.ts';
import { ChartPage } from './pages/chart.tsx';
import { CountryPage } from './pages/country.tsx';
import { EventPage, EventsPage } from './pages/events.tsx';
import { MeasurementPage } from './pages/measurement.tsx';
import { NetworkPage } from './pages/network.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { RegistryPage } from './pages/registry.tsx';
import { SearchPage } from './pages/search.tsx';
import { TargetPage } from './pages/target.tsx';
import { matchRoute, type RouteMatch, useLocation } from './router.ts';

function Page({ route }: { route: RouteMatch }) {
  const p = route.params;
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'country':
      return <CountryPage cc={p.cc!} key={p.cc} />;
    case 'network':
      return <NetworkPage asn={p.asn!} key={p.asn} />;
    case 'domain':
      return <TargetPage domain={p.domain} key={p.domain} />;
    case 'url':
      return <TargetPage />;
    case 'measurement':
      return <MeasurementPage uid={p.uid!} key={p.uid} />;
    case 'search':
      return <SearchPage />;
    case 'chart':
      return <ChartPage />;
    case 'events':
      return <EventsPage />;
    case 'event':
      return <EventPage id={p.id!} key={p.id} />;
    case 'registry':
      return <RegistryPage />;
    case 'not-found':
      return <NotFound />;
  }
}

function NotFound() {
  const i18n = useI18n();
  return (
    <>
      <h1>404</h1>
      <p>{i18n.t('state.notFound')}</p>
      <p>
        <Link href="/">{i18n.t('state.home')}</Link>
      </p>
    </>
  );
}

/** Pages that draw charts: their chart code is fetched alongside their data. */
const CHART_ROUTES = new Set<RouteMatch['name']>(['overview', 'country', 'network', 'domain', 'url', 'chart']);

const NAV: [
  string,
  'nav.overview' | 'nav.search' | 'nav.chart' | 'nav.events' | 'nav.registry',
  RouteMatch['name'][],
][] = [
  ['/', 'nav.overview', ['overview', 'country', 'network', 'domain', 'url']],
  ['/search', 'nav.search', ['search', 'measurement']],
  ['/chart', 'nav.chart', ['chart']],
  ['/events', 'nav.events', ['events', 'event']],
  ['/registry', 'nav.registry', ['registry']],
];

export function App() {
  const [lang, setLangState] = useState<Language>(initialLanguage);
  const i18n = useMemo(
    () =>
      createI18n(lang, (next) => {
        saveLanguage(next);
        setLangState(next);
      }),
    [lang],
  );
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  useEffect(() => {
    if (CHART_ROUTES.has(route.name)) preloadCharts();
  }, [route.name]);
  // After client-side navigation, move focus to the new page so screen readers and keyboards start there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each navigation, which pathname signals
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [pathname]);
  useEffect(() => {
    const heading = main.current?.querySelector('h1')?.textContent;
    document.title = heading ? `${heading} · blockwatch` : 'blockwatch';
  });

  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip-link" href="#main">
        {i18n.t('nav.skip')}
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          {i18n.t('app.name')}
          <span className="tagline">{i18n.t('app.tagline')}</span>
        </Link>
        <nav aria-label={i18n.t('nav.main')} className="site-nav">
          {NAV.map(([href, key, routes]) => (
            <Link key={href} href={href} aria-current={routes.includes(route.name) ? 'page' : undefined}>
              {i18n.t(key)}
            </Link>
          ))}
        </nav>
        <label className="lang">
          <span className="visually-hidden">{i18n.t('nav.language')}</span>
          <select
            value={lang}
            onChange={(e) => isLanguage(e.target.value) && i18n.setLang(e.target.value)}
            aria-label={i18n.t('nav.language')}
          >
            {Object.entries(LANGUAGES).map(([code, { label }]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
      <footer className="site-footer">
        <p>
          blockwatch · <a href="/api/openapi.json">OpenAPI</a> · <Link href="/chart">{i18n.t('nav.chart')}</Link>
        </p>
      </footer>
    </I18nContext.Provider>
  );
}
