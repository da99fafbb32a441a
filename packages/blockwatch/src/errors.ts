/**
 * The one error registry. Every error blockwatch throws on purpose is a `BlockwatchError` with a stable
 * `BW_ERR_*` code; tests assert the code, never the message. Codes are never renamed or reused.
 * Network failures are NOT errors: they are data (failure strings in records), see model/failures.ts.
 */
export const ERROR_CODES = {
  BW_ERR_INVALID_ARG: 'an option or argument is invalid',
  BW_ERR_USAGE: 'the command line is wrong (unknown flag, missing argument)',
  BW_ERR_INVALID_INPUT: 'an input file or record is malformed',
  BW_ERR_NOT_FOUND: 'a file or resource does not exist',
  BW_ERR_CONSENT: 'the probe has no consent to run',
  BW_ERR_NOT_ROOT: 'the command needs root privileges',
  BW_ERR_NOT_INSTALLED: 'an optional part of blockwatch is not installed',
  BW_ERR_STORE: 'the store failed',
  BW_ERR_LAB: 'the lab failed',
  BW_ERR_DOWNLOAD: 'a download failed (offline, HTTP error, too large, or not the expected file)',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

const BRAND = Symbol.for('blockwatch.error');

export class BlockwatchError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BlockwatchError';
  }
  static is(err: unknown): err is BlockwatchError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Thrown when a factory or constructor gets a bad option: names the option and the rule. */
export class InvalidArgumentError extends BlockwatchError {
  constructor(message: string) {
    super('BW_ERR_INVALID_ARG', message);
    this.name = 'InvalidArgumentError';
  }
}

/** Thrown for bad command lines: the CLI prints the message and a hint to `--help`. */
export class UsageError extends BlockwatchError {
  constructor(message: string) {
    super('BW_ERR_USAGE', message);
    this.name = 'UsageError';
  }
}
