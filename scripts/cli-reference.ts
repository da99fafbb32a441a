/**
 * Writes docs/cli.md from the `--help` of every command, so the reference cannot drift from the code.
 *   node --import tsx scripts/cli-reference.ts          rewrite docs/cli.md
 *   node --import tsx scripts/cli-reference.ts --check  exit 1 if docs/cli.md is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCliReference } from '../packages/blockwatch/src/cli/reference.ts';

const target = new URL('../docs/cli.md', import.meta.url);
if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await renderCliReference();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error('docs/cli.md is out of date: run node --import tsx scripts/cli-reference.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    console.error('wrote docs/cli.md');
  }
}
