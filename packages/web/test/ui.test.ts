/**
 * The web UI in a real browser (Debian's Chromium via playwright-core) against the real `blockwatch serve`,
 * seeded with the shared OONI measurements, synthetic ones whose fields carry script-injection payloads, and a
 * stream in which a site becomes blocked by TLS interception on two of three networks (a real detected event), and
 * OONI's telegram and whatsapp measurements on one of those networks (several test names in one place), and a
 * telegram stream blocked on two of those networks (a real service event).
 * Each page must load without console errors or CSP violations; filters, deep links, exports, the language
 * switch, keyboard use and a phone-width layout are checked; screenshots go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchBrowser, type TestBrowser } from './helpers/browser.ts';
import { ensureBuilt } from './helpers/build.ts';
import { eventStream, STREAM_CC, STREAM_HOST } from './helpers/event-stream.ts';
import { HOSTILE_CC, HOSTILE_DOMAIN, hostileMeasurements, PAYLOADS } from './helpers/hostile.ts';
import { OTHER_TEST_NAMES, OTHER_TESTS_NETWORK, otherTestMeasurements, telegramStream } from './helpers/other-tests.ts';
import { SCREENSHOTS } from './helpers/paths.ts';
import { type RunningServer, removeDataDir, seedDataDir, startServe } from './helpers/serve.ts';

const skip = chromiumMissing();

describe('web UI in a browser', { skip, timeout: 600_000 }, () => {
  let server: RunningServer;
  let browser: TestBrowser;
  let blockedUid: string;
  let blocked: { probe_cc: string; probe_asn: string; domain: string | null; input: string | null };
  let hostileUid: string;
  let dataDir: string | undefined;

  async function api(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 200, `${path} answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  /** Opens a path, waits for the data to settle, asserts no errors, saves a screenshot. */
  async function visit(path: string, shot?: string, options: { width?: number } = {}) {
    const { page, problems } = await browser.newPage(options);
    await page.goto(`${server.url}${path}`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => !document.querySelector('.state[aria-live]'), null, { timeout: 30_000 });
    await waitForCharts(page);
    if (shot) await page.screenshot({ path: join(SCREENSHOTS, `${shot}.png`), fullPage: true });
    return { page, problems };
  }

  async function waitForCharts(page: Page) {
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-chart] .chart')].every(
          (el) => (el as HTMLElement).dataset.ready === 'true',
        ),
      null,
      { timeout: 30_000 },
    );
  }

  async function download(page: Page, selector: string): Promise<{ name: string; text: string; bytes: Buffer }> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const path = await file.path();
    const bytes = readFileSync(path);
    return { name: file.suggestedFilename(), text: bytes.toString('utf8'), bytes };
  }

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ensureBuilt();
    dataDir = seedDataDir([
      ...(await hostileMeasurements()),
      ...eventStream(),
      ...otherTestMeasurements(),
      ...telegramStream(),
    ]);
    server = await startServe(dataDir);
    browser = await launchBrowser();

    const anomalies = (await api('/api/v1/measurements?anomaly=true&test_name=web_connectivity&limit=50'))
      .results as Record<string, string>[];
    const first = anomalies.find((m) => m.probe_cc !== HOSTILE_CC && m.domain);
    assert.ok(first, 'the seeded data has an anomalous web_connectivity measurement');
    blockedUid = first.measurement_uid!;
    blocked = {
      probe_cc: first.probe_cc!,
      probe_asn: first.probe_asn!,
      domain: first.domain ?? null,
      input: first.input ?? null,
    };
    const hostile = (await api(`/api/v1/measurements?probe_cc=${HOSTILE_CC}`)).results as Record<string, string>[];
    assert.ok(hostile.length >= 1, 'the hostile measurements were imported');
    hostileUid = hostile[0]!.measurement_uid!;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) removeDataDir(dataDir);
  });

  test('every page loads without console errors or CSP violations', async () => {
    const pages: [string, string][] = [
      ['/', 'overview'],
      [`/country/${blocked.probe_cc}`, 'country'],
      [`/network/${blocked.probe_asn}?probe_cc=${blocked.probe_cc}`, 'network'],
      [`/domain/${blocked.domain}?probe_cc=${blocked.probe_cc}`, 'domain'],
      [`/url?input=${encodeURIComponent(blocked.input ?? '')}&probe_cc=${blocked.probe_cc}`, 'url'],
      [`/m/${encodeURIComponent(blockedUid)}`, 'measurement'],
      [`/search?probe_cc=${blocked.probe_cc}`, 'search'],
      ['/chart?axis_x=probe_cc', 'chart-countries'],
      ['/chart?axis_x=measurement_start_day&axis_y=blocking_type', 'chart-timeline'],
      ['/chart?axis_x=domain&axis_y=probe_asn', 'chart-matrix'],
      ['/events', 'events'],
      [`/registry?probe_cc=${blocked.probe_cc}`, 'registry'],
      ['/no/such/page', 'not-found'],
    ];
    for (const [path, shot] of pages) {
      const { page, problems } = await visit(path, shot);
      assert.deepEqual(problems, [], `${path}: ${problems.join('\n')}`);
      assert.ok((await page.locator('h1').count()) === 1, `${path} has one h1`);
      await page.close();
    }
  });

  test('the overview reaches the evidence of a block in three clicks', async () => {
    const { page, problems } = await visit('/');
    // 1: a country with blocking, 2: a blocked domain there, 3: its latest measurement.
    await page.click(`a[href="/country/${blocked.probe_cc}"] >> nth=0`);
    await page.waitForURL(`**/country/${blocked.probe_cc}`);
    await page.click(`[data-table^="domains-"] a[href^="/domain/${blocked.domain}"] >> nth=0`);
    await page.waitForURL(/\/domain\//);
    await page.click('[data-table^="measurements-"] a[href^="/m/"] >> nth=0');
    await page.waitForURL(/\/m\//);
    await page.waitForSelector('.verdict-hero .badge');
    const explanation = await page.locator('[data-testid="explanation"]').textContent();
    assert.ok(explanation && explanation.length > 10, 'the verdict is explained in a sentence');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an event leads to its evidence, and TLS interception is made obvious', async () => {
    const { page, problems } = await visit('/');
    // 1: the site's event on the overview (services have events too), 2: a measurement cited as blocked.
    await page.click(`[data-table="recent-events"] tbody tr:has-text("${STREAM_HOST}") a[href^="/events/"] >> nth=0`);
    await page.waitForURL(/\/events\/ev/);
    await page.waitForSelector('.verdict-hero');
    const summary = (await page.locator('.verdict-hero .explanation').textContent()) ?? '';
    assert.match(summary, new RegExp(`Blocked in ${STREAM_CC} since .* on 2 of 3 networks`), summary);
    await page.screenshot({ path: join(SCREENSHOTS, 'event.png'), fullPage: true });
    const blockedRow = page.locator('[data-table^="evidence-"] tbody tr', { hasText: 'blocked' }).first();
    await blockedRow.locator('a[href^="/m/"]').click();
    await page.waitForURL(/\/m\//);
    await page.waitForSelector('.alert-box');
    assert.match((await page.locator('.verdict-hero').textContent()) ?? '', /TLS interception/);
    assert.ok(await page.locator('text=TLS interception').count());
    await page.screenshot({ path: join(SCREENSHOTS, 'interception.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a service event shows the service by name and links its measurements, never a URL page', async () => {
    const { page, problems } = await visit(`/events?probe_cc=${STREAM_CC}&input=telegram`, 'events-service');
    const rows = page.locator('[data-table="events"] tbody tr');
    assert.equal(await rows.count(), 1, 'one telegram event in the country');
    const subject = rows.first().locator('a[href^="/events/"]');
    assert.equal((await subject.textContent())?.trim(), 'Telegram');
    const hrefs = await page
      .locator('[data-table="events"] tbody a')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    const measurements = `/search?test_name=telegram&probe_cc=${STREAM_CC}`;
    assert.ok(hrefs.includes(measurements), `the row links the service's measurements: ${hrefs}`);
    assert.ok(!hrefs.some((h) => h.startsWith('/url') || h.startsWith('/domain')), `no URL page: ${hrefs}`);

    await subject.click();
    await page.waitForURL(/\/events\/ev_/);
    await page.waitForSelector('.verdict-hero .explanation');
    assert.match(
      (await page.locator('.verdict-hero .explanation').textContent()) ?? '',
      new RegExp(
        `^Telegram blocked in ${STREAM_CC} since 2024-04-30 between 06:\\d\\d and 12:\\d\\d UTC on 2 of 3 networks \\(TCP/IP\\)$`,
      ),
    );
    const target = page.locator('.verdict-hero dd a', { hasText: 'Telegram' });
    assert.equal(await target.getAttribute('href'), measurements);
    assert.ok((await page.locator('[data-table^="evidence-"] tbody tr').count()) >= 8, 'the blocked measurements');
    await page.screenshot({ path: join(SCREENSHOTS, 'event-service.png'), fullPage: true });
    await target.click();
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('test_name') === 'telegram');
    await page.waitForSelector('[data-table="measurements"] tbody tr');
    assert.deepEqual(problems, []);
    await page.close();

    const ru = await visit(`/events?probe_cc=${STREAM_CC}&input=telegram&lang=ru`);
    assert.equal(await ru.page.locator(`[data-table="events"] a[href="${measurements}"]`).textContent(), 'Измерения');
    assert.deepEqual(ru.problems, []);
    await ru.page.close();
  });

  test('a target page answers "since when?" in one sentence', async () => {
    const { page, problems } = await visit(`/domain/${STREAM_HOST}?probe_cc=${STREAM_CC}`, 'since-when');
    assert.match((await page.locator('.since').textContent()) ?? '', /since/);
    assert.equal(await page.locator('.strip').count(), 3, 'one history strip per network');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the measurement page shows the verdict first, evidence beside the control, raw JSON and a link', async () => {
    const { page, problems } = await visit(`/m/${encodeURIComponent(blockedUid)}`);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('main h2, main .verdict-hero')].map((el) => el.className || el.textContent),
    );
    assert.equal(order[0], 'verdict-hero', 'the verdict comes first');
    assert.ok(await page.locator('text=Control (unfiltered network)').count(), 'the control is shown');
    const raw = await download(page, '[data-export="raw-json"]');
    const json = JSON.parse(raw.text) as { input: string; test_keys: unknown };
    assert.equal(json.input, blocked.input);
    assert.ok(json.test_keys, 'the raw download is the OONI measurement');
    const link = await page.inputValue('.share input');
    assert.equal(link, `${server.url}/m/${encodeURIComponent(blockedUid)}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('hostile measured content is shown as text and never runs', async () => {
    for (const path of [
      `/m/${encodeURIComponent(hostileUid)}`,
      `/search?probe_cc=${HOSTILE_CC}`,
      `/country/${HOSTILE_CC}`,
      `/domain/${HOSTILE_DOMAIN}?probe_cc=${HOSTILE_CC}`,
      '/chart?axis_x=domain&axis_y=probe_asn',
    ]) {
      const { page, problems } = await visit(path, path.startsWith('/m/') ? 'hostile-measurement' : undefined);
      // Open every <details> so hidden bodies and headers are rendered too.
      await page.evaluate(() => {
        for (const d of document.querySelectorAll('details')) d.open = true;
      });
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, path);
      assert.equal(
        await page.locator('main img, main svg[onload], main script').count(),
        0,
        `${path}: injected elements`,
      );
      assert.deepEqual(problems, [], `${path}: ${problems.join('\n')}`);
      if (path.startsWith('/m/')) {
        const text = (await page.locator('main').textContent()) ?? '';
        assert.ok(text.includes(PAYLOADS.script), 'the payload is visible as text');
      }
      await page.close();
    }
  });

  test('search filters live in the URL, deep links restore them, exports carry the rows', async () => {
    const { page, problems } = await visit('/search');
    await page.fill('input[name="probe_cc"]', blocked.probe_cc);
    await page.selectOption('select[name="status"]', 'anomaly');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(
      (url) => url.searchParams.get('probe_cc') === blocked.probe_cc && url.searchParams.get('anomaly') === 'true',
    );
    await page.waitForSelector('[data-table="measurements"] tbody tr');
    const cells = await page.locator('[data-table="measurements"] tbody tr td:nth-child(5)').allInnerTexts();
    assert.ok(
      cells.length > 0 && cells.every((c) => c.trim() === blocked.probe_cc),
      `rows are from ${blocked.probe_cc}`,
    );

    const csv = await download(page, '[data-table="measurements"] [data-export="csv"]');
    const lines = csv.text.trim().split('\r\n');
    assert.equal(
      lines[0],
      'measurement_start_time,verdict,blocking_type,input,probe_cc,probe_asn,vantage,measurement_uid',
    );
    assert.equal(lines.length - 1, cells.length, 'one CSV line per row');
    const json = JSON.parse((await download(page, '[data-table="measurements"] [data-export="json"]')).text) as {
      probe_cc: string;
      verdict: string;
    }[];
    assert.equal(json.length, cells.length);
    assert.ok(
      json.every((r) => r.probe_cc === blocked.probe_cc && ['anomaly', 'confirmed', 'blocked'].includes(r.verdict)),
    );

    // A deep link opened fresh shows the same filters.
    const deep = await browser.newPage();
    await deep.page.goto(page.url(), { waitUntil: 'networkidle' });
    assert.equal(await deep.page.inputValue('input[name="probe_cc"]'), blocked.probe_cc);
    assert.equal(await deep.page.inputValue('select[name="status"]'), 'anomaly');
    assert.deepEqual([...problems, ...deep.problems], []);
    await deep.page.close();
    await page.close();
  });

  test('charts export PNG and SVG that carry the query link and the date, and CSV of their numbers', async () => {
    const { page, problems } = await visit('/chart?axis_x=probe_cc');
    const png = await download(page, '[data-chart] [data-export="png"]');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
    const svg = await download(page, '[data-chart] [data-export="svg"]');
    assert.match(svg.text, /^<svg/);
    assert.ok(svg.text.includes('/api/v1/aggregation?axis_x=probe_cc'), 'the SVG names its query');
    assert.match(svg.text, /data as of \d{4}-\d{2}-\d{2}/);
    const csv = await download(page, '[data-chart] [data-export="csv"]');
    assert.match(csv.text.split('\r\n')[0]!, /^category,accessible,Blocked,failed$/);
    const countries = (await api('/api/v1/aggregation?axis_x=probe_cc')).result as unknown[];
    assert.equal(csv.text.trim().split('\r\n').length - 1, countries.length, 'one CSV line per country');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the interface switches to Russian and remembers it', async () => {
    const { page, problems } = await visit('/');
    await page.selectOption('.lang select', 'ru');
    await page.waitForSelector('text=Обзор');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    await page.reload({ waitUntil: 'networkidle' });
    assert.equal(await page.locator('.site-nav a').first().textContent(), 'Обзор');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-ru.png'), fullPage: true });
    await page.selectOption('.lang select', 'en');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the interface speaks Kazakh', async () => {
    const { page, problems } = await visit('/?lang=kk');
    await page.waitForSelector('text=Шолу');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'kk');
    assert.equal(await page.locator('.site-nav a').first().textContent(), 'Шолу');
    // Country names in Kazakh, or in Russian where the browser's ICU has no Kazakh data: never in English.
    const country = await page.locator('a[href$="/country/KZ"]:has(span.muted)').first().textContent();
    assert.match(country ?? '', /Қазақстан|Казахстан/);
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-kk.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a country's and a network's pages show each test's results; the network also each test's latest verdict", async () => {
    const tests = ['web_connectivity', ...OTHER_TEST_NAMES];
    const country = await visit(`/country/${STREAM_CC}`, 'country-tests');
    const names = await country.page.locator('#tests tbody tr td:first-child').allTextContents();
    for (const name of tests) assert.ok(names.includes(name), `${name} in the country's tests: ${names}`);
    assert.deepEqual(country.problems, []);
    await country.page.close();

    const asn = OTHER_TESTS_NETWORK.asn;
    const network = await visit(`/network/${asn}?probe_cc=${STREAM_CC}`, 'network-tests');
    for (const name of tests) {
      const row = network.page.locator('#tests tbody tr', { hasText: name });
      assert.equal(await row.count(), 1, `one row for ${name}`);
      assert.equal(await row.locator('.badge').count(), 1, `${name} shows its latest verdict`);
      const [newest] = (await api(`/api/v1/measurements?probe_asn=${asn}&test_name=${name}&limit=1`)).results as {
        measurement_uid: string;
      }[];
      assert.equal(
        await row.locator(`a[href="/m/${encodeURIComponent(newest!.measurement_uid)}"]`).count(),
        1,
        `${name}'s latest verdict links to its newest measurement`,
      );
    }
    assert.deepEqual(network.problems, []);
    await network.page.close();

    const kk = await visit(`/network/${asn}?probe_cc=${STREAM_CC}&lang=kk`);
    assert.equal(await kk.page.locator('#tests-title').textContent(), 'Тесттер бойынша нәтижелер');
    await kk.page.close();
  });

  test('keyboard: the skip link comes first and moves focus to the content', async () => {
    const { page } = await visit('/');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.querySelector('main')!.contains(document.activeElement)));
    await page.close();
  });

  test('a phone-width screen needs no sideways scrolling', async () => {
    for (const [path, shot] of [
      ['/', 'phone-overview'],
      [`/m/${encodeURIComponent(blockedUid)}`, 'phone-measurement'],
      [`/country/${blocked.probe_cc}`, 'phone-country'],
    ] as const) {
      const { page, problems } = await visit(path, shot, { width: 375 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} overflows by ${overflow}px at 375px`);
      assert.deepEqual(problems, []);
      await page.close();
    }
  });
});
