/**
 * `npm run accuracy [-- NAME…]`: runs scripts/accuracy-NAME.ts for each name given, or all of them.
 * Each script rewrites its own section of docs/accuracy.md, between <!-- BEGIN NAME --> and <!-- END NAME -->.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const available = readdirSync(dir)
  .filter((f) => /^accuracy-[a-z0-9-]+\.ts$/.test(f))
  .map((f) => f.slice('accuracy-'.length, -3))
  .sort();
const names = process.argv.slice(2).length ? process.argv.slice(2) : available;
let failed = 0;
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`accuracy: unknown report '${name}' (available: ${available.join(', ') || 'none'})`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `accuracy-${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
