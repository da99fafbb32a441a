/**
 * Exclusive use of the lab for a whole run. `up` and `down` are locked on their own (topology.ts), but a run that
 * applies policies and measures (the demo, the scenario catalogue as a test) must not share the lab with another
 * one: each would apply its policies under the other's probes, and one's `down` would pull the lab from under the
 * other. The lock is a file holding the owner's pid; a dead owner's lock is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlockwatchError } from 'blockwatch/errors.ts';

export const SESSION_LOCK = '/run/blockwatch-lab-session.lock';

export interface SessionOptions {
  waitMs?: number;
  lockPath?: string;
  onWait?: (holderPid: number) => void;
}

export async function withLabSession<T>(fn: () => Promise<T>, options: SessionOptions = {}): Promise<T> {
  const release = await acquireLabSession(options);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Waits for the lab (bounded) and answers the function that releases it. */
export async function acquireLabSession(options: SessionOptions = {}): Promise<() => void> {
  const lockPath = options.lockPath ?? SESSION_LOCK;
  const deadline = Date.now() + (options.waitMs ?? 15 * 60_000);
  let told = false;
  for (;;) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim() || 0);
      if (!(holder > 0 && isAlive(holder))) {
        rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new BlockwatchError('BW_ERR_LAB', `the lab is in use by pid ${holder} (${lockPath})`);
      }
      if (!told) options.onWait?.(holder);
      told = true;
      await sleep(500);
    }
  }
  return () => rmSync(lockPath, { force: true });
}

/** Alive and not a zombie (a reaper may be slow; kill(0) alone would call a zombie alive). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
