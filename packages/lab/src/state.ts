/**
 * The lab's state directory (`$BLOCKWATCH_LAB_DIR`, default /run/blockwatch-lab): what the lab made, its PKI, the
 * daemons' configs, pid files, logs and control sockets, the ASN registry. Everything is recorded here BEFORE it is
 * made, so `lab down` can undo a half-finished `lab up` after a crash.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_STATE_DIR = '/run/blockwatch-lab';

export function stateDirOf(env: NodeJS.ProcessEnv): string {
  return env.BLOCKWATCH_LAB_DIR || DEFAULT_STATE_DIR;
}

export type Made =
  | { kind: 'netns'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'process'; name: string; ns: string; pid: number };

export interface LabState {
  version: 1;
  /** 'starting' until `up` finished; a crashed `up` leaves it so */
  status: 'starting' | 'up';
  startedAt: string;
  ispCount: number;
  made: Made[];
  /** applied policy file per ISP id (for status) */
  policies: Record<string, string>;
  /** whether a control helper runs (the probe's `--helper`), or why not */
  helper: { url: string } | { unavailable: string };
}

export function statePaths(dir: string) {
  return {
    dir,
    file: join(dir, 'state.json'),
    pki: join(dir, 'pki'),
    logs: join(dir, 'logs'),
    control: (name: string) => join(dir, `${name}.sock`),
    config: (name: string) => join(dir, `${name}.json`),
    log: (name: string) => join(dir, 'logs', `${name}.log`),
    pid: (name: string) => join(dir, `${name}.pid`),
    registry: join(dir, 'asn-registry.json'),
    labCa: join(dir, 'pki', 'lab-root.pem'),
    nationalCa: join(dir, 'pki', 'national-root.pem'),
    sites: join(dir, 'sites.json'),
  };
}

export function readState(dir: string): LabState | null {
  const file = statePaths(dir).file;
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch {
    // A torn write: treat as a crashed lab; `down` still cleans up by the bw- prefix.
    return null;
  }
}

/** Writes atomically (rename), so a crash never leaves a half-written state file. */
export function writeState(dir: string, state: LabState): void {
  mkdirSync(dir, { recursive: true });
  const file = statePaths(dir).file;
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Records something about to be made (call before making it). */
export function recordMade(dir: string, state: LabState, item: Made): void {
  state.made.push(item);
  writeState(dir, state);
}
