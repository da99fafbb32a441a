#!/usr/bin/env node
// The blockwatch command. Sources are TypeScript, run through tsx's loader (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
