/**
 * Official registries: what a state says it blocks, against what its networks show.
 *
 * Design: pure parsers (`parse.ts`: blockwatch's documented CSV, Russia's zapret-info dump in windows-1251 or
 * UTF-8) and a pure comparison (`compare.ts`); `registry-store.ts` keeps the lists in `registry_entries`
 * (migration 102), an import replacing a country's named list.
 *
 * Operations: `blockwatch registry import|compare`, `GET /api/v1/registry/compare`, admin
 * `POST /api/v1/admin/registry/import`. Formats and definitions: docs/events.md.
 */
export { compareRegistry, entryCovers, type ObservedTarget, type RegistryComparison } from './compare.ts';
export {
  classifyTarget,
  decodeRegistryBytes,
  parseRegistry,
  parseRegistryCsv,
  parseRuDump,
  type RegistryEntry,
  type RegistryFormat,
} from './parse.ts';
export { compareWithObservations, importRegistry, loadRegistry } from './registry-store.ts';
