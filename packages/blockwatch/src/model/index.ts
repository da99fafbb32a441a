export * from './failures.ts';
export type * from './measurement.ts';
export * from './operations.ts';
export { measurementSchema, validateMeasurement, webConnectivityTestKeysSchema } from './schema.ts';
export * from './verdict.ts';
