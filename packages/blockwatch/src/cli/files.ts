/**
 * Files named on the command line: opened or read before anything is measured, so a bad path is one clear error
 * naming the option (and not a stream error halfway through a run).
 */
import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { BlockwatchError } from '../errors.ts';

/** Opens --out now, so a bad path is one clear error before anything is measured (not a stream error later). */
export function openOut(path: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw new BlockwatchError(
      'BW_ERR_INVALID_ARG',
      `--out: cannot write ${path}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  return createWriteStream('', { fd });
}

export function readCa(path: string | undefined, cwd: string): string[] | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolvePath(cwd, path), 'utf8');
  } catch (err) {
    throw new BlockwatchError('BW_ERR_NOT_FOUND', `--ca: cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!pems) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `--ca: ${path} holds no PEM certificate`);
  return pems;
}
