/** The commands of the probe install, listed for the top-level help; each module loads when its command runs. */
import type { CommandEntry } from '../command.ts';

// biome-ignore format: one row per command reads best
export const commands: CommandEntry[] = [
  { name: 'probe', summary: 'measure from this network (Web Connectivity or --test NAME, OONI format)', load: () => import('./probe.ts') },
  { name: 'analyze', summary: 'print the verdict of OONI-format measurements (JSON or JSONL)', load: () => import('./analyze.ts') },
  { name: 'remote', summary: 'measure networks from outside through their resolvers and servers (nobody inside at risk)', load: () => import('./remote.ts') },
  { name: 'helper', summary: 'run a control helper (OONI test-helper protocol) on an unfiltered network', load: () => import('./helper.ts') },
  { name: 'update', summary: "download current test lists, blocking fingerprints and Signal's root CA into the data directory", load: () => import('./update.ts') },
];
