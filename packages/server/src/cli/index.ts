/**
 * The commands this package adds to `blockwatch` (serve, import, …), found by the CLI through this entry point
 * (`@blockwatch/server/cli`). Each module loads only when its command runs: the list itself is light.
 */
import type { CommandEntry } from 'blockwatch/cli';

// biome-ignore format: one row per command reads best
export const commands: CommandEntry[] = [
  { name: 'serve', summary: 'run the collector, API and web UI', load: () => import('./serve.ts') },
  { name: 'import', summary: 'import OONI measurements (JSON, JSONL, .gz) into the store', load: () => import('./import.ts') },
  { name: 'events', summary: 'list or rebuild detected blocking events', load: () => import('./events.ts') },
  { name: 'history', summary: 'show since when a URL or a messaging service is blocked in a country', load: () => import('./history.ts') },
  { name: 'quarantine', summary: 'list acknowledged measurements that could not be stored', load: () => import('./quarantine.ts') },
  { name: 'registry', summary: 'import official blocklists and compare them with observations', load: () => import('./registry.ts') },
];
