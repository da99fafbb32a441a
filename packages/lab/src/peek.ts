/**
 * What a DPI box reads from the first bytes of a flow: the SNI of a TLS ClientHello, the Host of an HTTP request.
 * Pure. Each parser says "need more bytes" (undefined) until it can decide, so the proxy can reassemble a
 * ClientHello split across segments, as modern censors do.
 */

/** The server name, null when the flow is TLS without SNI or not TLS, undefined when more bytes are needed. */
export function parseClientHelloSni(buf: Buffer): string | null | undefined {
  if (buf.length < 5) return undefined;
  if (buf[0] !== 0x16) return null; // not a handshake record
  const recordLength = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLength) return undefined;
  let p = 5;
  if (buf[p] !== 0x01) return null; // not a ClientHello
  const helloEnd = Math.min(5 + recordLength, p + 4 + buf.readUIntBE(p + 1, 3));
  p += 4 + 2 + 32; // header, version, random
  if (p >= helloEnd) return null;
  p += 1 + buf[p]; // session id
  if (p + 2 > helloEnd) return null;
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p + 1 > helloEnd) return null;
  p += 1 + buf[p]; // compression methods
  if (p + 2 > helloEnd) return null;
  const extensionsEnd = Math.min(helloEnd, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extensionsEnd) {
    const type = buf.readUInt16BE(p);
    const length = buf.readUInt16BE(p + 2);
    const body = p + 4;
    if (type === 0x0000 && body + 5 <= extensionsEnd) {
      // server_name_list: length(2) then entries of type(1) length(2) name
      const nameType = buf[body + 2];
      const nameLength = buf.readUInt16BE(body + 3);
      if (nameType === 0 && body + 5 + nameLength <= extensionsEnd) {
        return buf
          .subarray(body + 5, body + 5 + nameLength)
          .toString('latin1')
          .toLowerCase();
      }
      return null;
    }
    p = body + length;
  }
  return null;
}

/** The Host header's name (no port), null when the head has none or is not HTTP, undefined when incomplete. */
export function parseHttpHost(buf: Buffer): string | null | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length > 16 * 1024 ? null : undefined;
  const head = buf.subarray(0, end).toString('latin1');
  if (!/^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(head)) return null;
  const m = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(head);
  if (!m) return null;
  return m[1]
    .trim()
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
}
