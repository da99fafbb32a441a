/** The command this package adds to `blockwatch`, found by the CLI through this entry point (`@blockwatch/lab/cli`). */
import type { CommandEntry } from 'blockwatch/cli';

export const commands: CommandEntry[] = [
  { name: 'lab', summary: 'run the simulated censored network (root)', load: () => import('./lab.ts') },
];
