import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { loadPolicyFile, parsePolicy } from './apply.ts';
import { type CompileContext, compilePolicy, domainMatches, qnameHex } from './policy.ts';

const ctx: CompileContext = {
  resolver: '198.19.1.53',
  blockpage: '198.19.1.80',
  subscriberIf: 'sub0',
  foreignResolvers: ['198.18.1.53'],
  helper: '198.18.1.3',
  sites: [
    { address: '198.18.2.11', names: ['azattyq.lab', 'www.azattyq.lab'], ports: [80, 443] },
    { address: '198.18.2.12', names: ['eurasianet.lab'], ports: [80, 443] },
  ],
};

function errorOf(fn: () => unknown): BlockwatchError {
  try {
    fn();
  } catch (err) {
    if (BlockwatchError.is(err)) return err;
    throw err;
  }
  assert.fail('expected an error');
}

test('tcp rules become FORWARD rules, and their flows are kept away from the proxy', () => {
  const c = compilePolicy(
    parsePolicy({ rules: [{ match: { domain: 'eurasianet.lab', port: 443 }, action: 'tcp.reset' }] }, 'p'),
    ctx,
  );
  assert.match(c.iptables, /-A FORWARD -i sub0 -p tcp -d 198\.18\.2\.12 --dport 443 -j REJECT --reject-with tcp-reset/);
  assert.match(c.iptables, /-A PREROUTING -i sub0 -p tcp -d 198\.18\.2\.12 --dport 443 -j RETURN/);
  assert.deepEqual(c.daemon.intercepts, []);
});

test('TLS rules steer every serving site on :443 to the proxy, one local port each', () => {
  const c = compilePolicy(parsePolicy({ rules: [{ match: { sni: 'azattyq.lab' }, action: 'tls.drop' }] }, 'p'), ctx);
  assert.deepEqual(
    c.daemon.intercepts.map((i) => `${i.address}:${i.port}>${i.localPort}`),
    ['198.18.2.11:443>20000', '198.18.2.12:443>20001'],
  );
  assert.equal(c.daemon.proxy[0].action, 'tls.drop');
  assert.match(c.iptables, /-d 198\.18\.2\.11 --dport 443 -j REDIRECT --to-ports 20000/);
});

test('on-path DNS rules divert matching queries to other resolvers by their wire-format name', () => {
  assert.equal(qnameHex('*.azattyq.lab'), '|07|azattyq|03|lab|00|');
  const c = compilePolicy(
    parsePolicy({ rules: [{ match: { domain: 'azattyq.lab' }, action: 'dns.inject' }] }, 'p'),
    ctx,
  );
  assert.match(
    c.iptables,
    /-d 198\.18\.1\.53 --dport 53 -m string --algo bm --icase --hex-string "\|07\|azattyq\|03\|lab\|00\|" -j DNAT --to-destination 198\.19\.1\.53:5301/,
  );
  assert.equal(c.daemon.dns[0].resolvers, 'all');
});

test('throttling makes an HTB class per rule and marks the matching flows', () => {
  const c = compilePolicy(
    parsePolicy({ rules: [{ match: { sni: 'big.lab' }, action: 'throttle', rateKbit: 256 }] }, 'p'),
    ctx,
  );
  assert.deepEqual(c.tc[2], [
    'class',
    'add',
    'dev',
    'sub0',
    'parent',
    '1:',
    'classid',
    '1:10',
    'htb',
    'rate',
    '256kbit',
    'ceil',
    '256kbit',
  ]);
  assert.match(c.iptables, /--string "big\.lab" -j CONNMARK --set-mark 0x100/);
  assert.match(c.iptables, /-A POSTROUTING -o sub0 -m connmark --mark 0x100 -j CLASSIFY --set-class 1:10/);
});

test('an empty policy still replaces every table (applying it clears the previous policy)', () => {
  const c = compilePolicy({ rules: [] }, ctx);
  for (const table of ['*filter', '*nat', '*mangle']) assert.ok(c.iptables.includes(table));
  assert.deepEqual(c.tc, []);
});

test('bad policies are refused with the field that is wrong', () => {
  const unknown = errorOf(() => parsePolicy({ rules: [{ match: { domain: 'a.lab' }, action: 'dns.lie' }] }, 'p.json'));
  assert.equal(unknown.code, 'BW_ERR_INVALID_INPUT');
  assert.match(unknown.message, /p\.json: at 'rules\.0\.action'/);
  const missing = errorOf(() =>
    parsePolicy({ rules: [{ match: { address: '198.18.2.1' }, action: 'dns.nxdomain' }] }, 'p.json'),
  );
  assert.match(missing.message, /rules\.0 \(dns\.nxdomain\): needs match\.domain/);
  const rate = errorOf(() => parsePolicy({ rules: [{ match: { sni: 'a.lab' }, action: 'throttle' }] }, 'p.json'));
  assert.match(rate.message, /needs rateKbit/);
  const extra = errorOf(() => parsePolicy({ rules: [], color: 'red' }, 'p.json'));
  assert.match(extra.message, /p\.json/);
});

test('domain patterns: exact names, and "*." for subdomains only', () => {
  assert.ok(domainMatches('azattyq.lab', 'AZATTYQ.lab.'));
  assert.ok(!domainMatches('azattyq.lab', 'www.azattyq.lab'));
  assert.ok(domainMatches('*.azattyq.lab', 'www.azattyq.lab'));
  assert.ok(!domainMatches('*.azattyq.lab', 'azattyq.lab'));
  assert.ok(!domainMatches('*.azattyq.lab', 'notazattyq.lab'));
});

test('the example policies are valid', () => {
  const dir = new URL('../policies/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3);
  for (const f of files) assert.ok(loadPolicyFile(join(dir, f)).rules.length > 0, f);
});

test('servers inside the ISP are filtered whichever side the flow comes from (remote measurement)', () => {
  const c = compilePolicy(parsePolicy({ rules: [{ match: { sni: 'meduza.lab' }, action: 'tls.drop' }] }, 'p'), {
    ...ctx,
    inIspServers: ['198.19.1.100'],
  });
  const redirects = c.iptables.split('\n').filter((l) => l.includes('REDIRECT'));
  // subscribers' flows to sites come in on sub0; the hosting server's flows may come from the internet too
  assert.ok(redirects.some((l) => l.startsWith('-A PREROUTING -i sub0 -p tcp -d 198.18.2.11 --dport 443')));
  assert.ok(redirects.some((l) => l.startsWith('-A PREROUTING -p tcp -d 198.19.1.100 --dport 443')));
  assert.ok(c.daemon.intercepts.some((i) => i.address === '198.19.1.100' && i.port === 443));
});
