/** Where things are, relative to this file: the repository, the web package, the shared reference data. */
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const SHARED_DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
export const OONI_MEASUREMENTS = `${SHARED_DATA}ooni/measurements/`;
export const BLOCKWATCH_BIN = `${REPO_ROOT}packages/blockwatch/bin/blockwatch.js`;
export const SCREENSHOTS = `${REPO_ROOT}test-output/screenshots/`;
