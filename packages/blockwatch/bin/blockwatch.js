#!/usr/bin/env node
// The blockwatch command. It imports itself by package name, so the `exports` conditions pick the code: the built
// JavaScript (dist/) by default, the TypeScript sources under `--conditions=source` with tsx (as the tests run it).
const { main } = await import('blockwatch/cli/main.ts');
await main(process.argv.slice(2));
