/** Where blockwatch keeps its state: consent, the submission queue, the geo index cache. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$BLOCKWATCH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/blockwatch`, else `~/.config/blockwatch`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.BLOCKWATCH_CONFIG_DIR) return env.BLOCKWATCH_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'blockwatch');
  return join(env.HOME || homedir(), '.config', 'blockwatch');
}
