/** The operations a failure can belong to (closed set; use the constants, never inline strings). */
export const OPERATIONS = {
  resolve: 'resolve',
  connect: 'connect',
  tlsHandshake: 'tls_handshake',
  httpRoundTrip: 'http_round_trip',
  read: 'read',
  write: 'write',
} as const;
export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS];
