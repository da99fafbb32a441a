/**
 * Loopback sites for the control helper's tests: an HTTP or HTTPS page, a server that accepts and never answers,
 * and a listener that only counts connections (to prove an address was never dialled). All on 127.0.0.x, port 0
 * unless a port is asked for.
 */
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';

export interface TestSite {
  port: number;
  /** connections accepted so far */
  connections(): number;
  close(): Promise<void>;
}

function track(server: Server | TcpServer, host: string, port: number): Promise<TestSite> {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        connections: () => count,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export const PAGE = '<html><head><title>Helper test page</title></head><body>hello from the test site</body></html>';

const page: RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'x-test-site': 'yes', 'alt-svc': 'h3=":443"; ma=60' });
  res.end(PAGE);
};

export function startHttpSite(handler: RequestListener = page, host = '127.0.0.1', port = 0): Promise<TestSite> {
  return track(createHttpServer(handler), host, port);
}

export function startHttpsSite(
  cert: { chainPem: string; keyPem: string },
  handler: RequestListener = page,
  host = '127.0.0.1',
  port = 0,
): Promise<TestSite> {
  return track(createHttpsServer({ cert: cert.chainPem, key: cert.keyPem }, handler), host, port);
}

/** Accepts connections and never sends a byte. */
export function startStallServer(host = '127.0.0.1', port = 0): Promise<TestSite> {
  return track(
    createTcpServer(() => {}),
    host,
    port,
  );
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
export async function closedPort(): Promise<number> {
  const site = await startStallServer();
  await site.close();
  return site.port;
}
