#!/usr/bin/env node
// Runs the test files of every package with node's test runner (Node 20 has no glob in --test).
//   node scripts/run-tests.mjs            all unit/integration tests (*.test.ts), lab tests included when root
//   node scripts/run-tests.mjs --lab      only the lab tests (*.lab.test.ts; need root)
//   node scripts/run-tests.mjs --no-lab   everything but the lab tests
//   node scripts/run-tests.mjs FILTER…    only test files whose path contains one of the filters
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const labOnly = args.includes('--lab');
const noLab = args.includes('--no-lab');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(path);
  }
  return out;
}

// scripts/ holds the tests of the repository's own scripts (the system-dependency check)
let files = [...walk(join(root, 'packages'), []), ...walk(join(root, 'scripts'), [])].sort();
if (labOnly) files = files.filter((f) => f.endsWith('.lab.test.ts'));
if (noLab) files = files.filter((f) => !f.endsWith('.lab.test.ts'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
console.error(`running ${files.length} test files`);
// Tests run the TypeScript sources, and so does every node process they start (the blockwatch command, the lab's
// daemons): the `source` export condition picks src/ over dist/, and tsx runs it. NODE_OPTIONS carries both to
// the children; tsx by absolute URL, since children may start in any directory.
const tsx = import.meta.resolve('tsx');
const nodeOptions = [process.env.NODE_OPTIONS, '--conditions=source', `--import=${tsx}`].filter(Boolean).join(' ');
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } },
);
process.exit(result.status ?? 1);
