/**
 * The command line that runs one of the lab's own entry points (a daemon, the subscriber's client) in a child
 * process. The built lab runs its compiled JavaScript with plain node; the lab run from its TypeScript sources (the
 * tests) runs the sources through tsx, so a child never runs code older than its parent.
 */
import { join } from 'node:path';

const LAB_DIR = new URL('.', import.meta.url).pathname;
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** `entry` is relative to the lab's src/ (or dist/) folder, without extension: 'daemons/main'. */
export function labEntryCommand(entry: string): string[] {
  if (!FROM_SOURCES) return [process.execPath, join(LAB_DIR, `${entry}.js`)];
  return [process.execPath, '--conditions=source', '--import', 'tsx', join(LAB_DIR, `${entry}.ts`)];
}
