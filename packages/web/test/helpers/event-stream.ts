/**
 * A stream of measurements in which a site becomes blocked: `news.example` in KZ, measured every 6 hours on three
 * networks; after four accessible rounds two networks intercept TLS (a certificate from another CA) and one stays
 * clean. Built with the verdict engine's synthetic measurements, so the server's detector opens a real event and the
 * UI can be tested from the overview through the event to its evidence.
 */
import { type Mechanism, syntheticMeasurement } from 'blockwatch/verdict/synthetic.ts';

export const STREAM_CC = 'KZ';
export const STREAM_HOST = 'news.example';
export const STREAM_NETWORKS = [
  { asn: 'AS9198', name: 'JSC Kazakhtelecom', blocks: true },
  { asn: 'AS206026', name: 'Kcell JSC', blocks: true },
  { asn: 'AS21299', name: 'Kar-Tel LLC', blocks: false },
];
const ROUNDS = 14;
const BLOCKED_FROM_ROUND = 4;
const START_MS = Date.UTC(2024, 4, 1, 0, 0, 0);

function sqlTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function eventStream(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const network of STREAM_NETWORKS) {
      const mechanism: Mechanism = network.blocks && round >= BLOCKED_FROM_ROUND ? 'tls.mitm' : 'ok';
      const m = syntheticMeasurement(mechanism, { host: STREAM_HOST, probeCc: STREAM_CC, scheme: 'https' });
      const time = START_MS + round * 6 * 3_600_000 + STREAM_NETWORKS.indexOf(network) * 60_000;
      m.probe_asn = network.asn;
      m.probe_network_name = network.name;
      m.measurement_start_time = sqlTime(time);
      m.test_start_time = sqlTime(time - 1000);
      m.report_id = `20240501T000000Z_webconnectivity_${STREAM_CC}_${network.asn.slice(2)}_n1_stream${round}`;
      out.push(m);
    }
  }
  return out;
}
