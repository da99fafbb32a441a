/**
 * The data directory: downloaded fingerprints, test lists and Signal's root CA on disk, and `blockwatch update`.
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
export { readSignalCa, SIGNAL_CA_FILE, signalCaPath } from './signal-ca.ts';
export { UPSTREAM, type UpdatedFile, type UpdateOptions, updateData } from './update.ts';
