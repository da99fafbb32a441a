/**
 * Entry point of the blockwatch web UI (React 19 + ECharts 6, built by Vite, served by `blockwatch serve`).
 *
 * Layout: `router.ts` (history API), `api/` (typed, tolerant client), `i18n/` (one catalogue per language),
 * `pages/` (one per route), `components/` (tables, charts, badges, exports), `charts/` (specs + the lazily
 * loaded ECharts engine), `evidence/` (the measurement's probe-vs-control views), `export/` (CSV, downloads).
 * Measured content is hostile: it is only ever rendered as text (no `dangerouslySetInnerHTML`, no HTML tooltips).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
