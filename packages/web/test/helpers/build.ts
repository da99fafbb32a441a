/**
 * Builds the UI (`vite build`) when `dist/` is missing or older than any source file, so browser tests always
 * exercise the current code. Runs Vite in a child process: its bundler must not share the test's module graph.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DIR } from './paths.ts';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export function distIsStale(): boolean {
  const index = join(WEB_DIR, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const inputs = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => join(WEB_DIR, p)).filter(existsSync);
  // The UI also bundles the model and verdict code it imports from the probe package.
  inputs.push(join(WEB_DIR, '..', 'blockwatch', 'src', 'model'), join(WEB_DIR, '..', 'blockwatch', 'src', 'verdict'));
  return inputs.some((p) => existsSync(p) && newestMtime(p) > built);
}

export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const vite = join(WEB_DIR, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_DIR, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}
