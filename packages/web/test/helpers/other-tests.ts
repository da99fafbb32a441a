/**
 * Measurements of test types other than Web Connectivity on the event stream's networks: OONI's own telegram and
 * whatsapp measurements from the shared data, moved to KZ and AS9198 inside the stream's days, so that a country
 * and a network hold several test names and the UI must show each test's results without code of its own.
 * And a telegram stream in which the service becomes blocked on two of the three networks (a real service event).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STREAM_CC, STREAM_NETWORKS } from './event-stream.ts';
import { OONI_MEASUREMENTS } from './paths.ts';

const SOURCES = [
  'explorer-e2e__20221109225810.435617_RU_telegram_ecbc73cacd8ea566.json',
  'explorer-e2e__20221105223930.168194_JP_whatsapp_e3e891f975f0d5ef.json',
];
export const OTHER_TEST_NAMES = ['telegram', 'whatsapp'];
export const OTHER_TESTS_NETWORK = STREAM_NETWORKS[0]!;

export function otherTestMeasurements(): Record<string, unknown>[] {
  return SOURCES.map((file, i) => {
    const m = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, file), 'utf8')) as Record<string, unknown>;
    const time = `2024-05-02 0${i}:30:00`;
    return {
      ...m,
      probe_cc: STREAM_CC,
      probe_asn: OTHER_TESTS_NETWORK.asn,
      probe_network_name: OTHER_TESTS_NETWORK.name,
      measurement_start_time: time,
      test_start_time: time,
      report_id: `20240502T0${i}3000Z_${m.test_name}_${STREAM_CC}_${OTHER_TESTS_NETWORK.asn.slice(2)}_n1_other${i}`,
    };
  });
}

const TELEGRAM_BLOCKED = SOURCES[0]!;
const TELEGRAM_OK = 'explorer-e2e__20221110102858.395748_US_telegram_b2b51fffce62b986.json';
const SERVICE_ROUNDS = 6;
const SERVICE_BLOCKED_FROM_ROUND = 2;
// A day before the web stream, so that the site's event stays the newest.
const SERVICE_START_MS = Date.UTC(2024, 3, 30, 0, 0, 0);

/** Telegram on the stream's networks every 6 hours: blocked (TCP/IP) from round 2 where the site is blocked too. */
export function telegramStream(): Record<string, unknown>[] {
  const blocked = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, TELEGRAM_BLOCKED), 'utf8')) as Record<
    string,
    unknown
  >;
  const ok = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, TELEGRAM_OK), 'utf8')) as Record<string, unknown>;
  const out: Record<string, unknown>[] = [];
  for (let round = 0; round < SERVICE_ROUNDS; round++) {
    for (const [i, network] of STREAM_NETWORKS.entries()) {
      const source = network.blocks && round >= SERVICE_BLOCKED_FROM_ROUND ? blocked : ok;
      const time = new Date(SERVICE_START_MS + round * 6 * 3_600_000 + i * 60_000)
        .toISOString()
        .slice(0, 19)
        .replace('T', ' ');
      out.push({
        ...source,
        probe_cc: STREAM_CC,
        probe_asn: network.asn,
        probe_network_name: network.name,
        measurement_start_time: time,
        test_start_time: time,
        report_id: `20240430T000000Z_telegram_${STREAM_CC}_${network.asn.slice(2)}_n1_service${round}`,
      });
    }
  }
  return out;
}
