/**
 * The data directory: downloaded fingerprints and test lists on disk, and `blockwatch update`.
 * This module does I/O; the pure parsing it relies on lives in `verdict/`.
 */
export {
  dataDir,
  FINGERPRINT_FILES,
  hasFingerprints,
  loadFingerprints,
  type TestListEntry,
  testListPath,
} from './data-dir.ts';
export { UPSTREAM, type UpdatedFile, type UpdateOptions, updateData } from './update.ts';
