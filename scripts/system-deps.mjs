#!/usr/bin/env node
/**
 * The system packages blockwatch needs, checked (and installed) in this one place for `npm run demo`, `npm test`
 * and CI, so the three cannot drift apart.
 *
 *   node scripts/system-deps.mjs demo   the lab: iproute2 (ip) and iptables (iptables, iptables-restore); needs root
 *   node scripts/system-deps.mjs test   the lab, and Chromium for the browser tests
 *
 * As root on Debian or Ubuntu the missing packages are installed with apt-get, its progress shown. As root
 * elsewhere the script stops with the exact command to run. Without root the demo stops saying what it needs, and
 * the tests go on with one line saying what is skipped (the lab tests need root; the browser tests need Chromium).
 * Plain JavaScript with no dependencies: CI runs it before `npm ci`.
 *
 * Exit status: 0 ready (or tests without root), 1 not ready. For tests of this script: BLOCKWATCH_APT_GET names
 * the apt-get to run, BLOCKWATCH_OS_RELEASE the os-release file to read.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's package name, the commands it provides, who needs it, and its name on other systems. */
const PACKAGES = [
  { name: 'iproute2', tools: ['ip'], neededBy: 'the lab', targets: ['demo', 'test'], dnf: 'iproute' },
  { name: 'iptables', tools: ['iptables', 'iptables-restore'], neededBy: 'the lab', targets: ['demo', 'test'] },
  { name: 'chromium', tools: ['chromium'], neededBy: 'the browser tests', targets: ['test'] },
];

/** Install commands of other systems' package managers, found on PATH when the system is not Debian-like. */
const OTHER_MANAGERS = [
  { command: 'dnf', install: (names) => `dnf install -y ${names.join(' ')}`, key: 'dnf' },
  { command: 'zypper', install: (names) => `zypper install -y ${names.join(' ')}` },
  { command: 'pacman', install: (names) => `pacman -S --needed ${names.join(' ')}` },
  { command: 'apk', install: (names) => `apk add ${names.join(' ')}` },
];

const target = process.argv[2];
if (target !== 'demo' && target !== 'test') {
  process.stderr.write('usage: node scripts/system-deps.mjs demo|test\n');
  process.exit(2);
}
const say = (line) => process.stderr.write(`${target}: ${line}\n`);
const isRoot = process.getuid?.() === 0;
const needed = PACKAGES.filter((p) => p.targets.includes(target));

function onPath(tool) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      const path = join(dir, tool);
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return true;
    } catch {}
  }
  return false;
}

const missingTools = (pkg) => pkg.tools.filter((t) => !onPath(t));
const missingPackages = () => needed.filter((p) => missingTools(p).length > 0);
const describe = (pkgs) => pkgs.map((p) => `${p.name} (${missingTools(p).join(', ')}; ${p.neededBy})`).join(', ');
const aptCommand = (pkgs) => `apt-get install -y --no-install-recommends ${pkgs.map((p) => p.name).join(' ')}`;

function isDebianLike() {
  let text = '';
  try {
    text = readFileSync(process.env.BLOCKWATCH_OS_RELEASE ?? '/etc/os-release', 'utf8');
  } catch {
    return false;
  }
  const ids = [...text.matchAll(/^(?:ID|ID_LIKE)=["']?([^"'\n]*)/gm)].flatMap((m) => m[1].split(/\s+/));
  return ids.includes('debian') || ids.includes('ubuntu');
}

/** The exact command a person runs to install `pkgs` here (sudo when not root). */
function installCommand(pkgs, debianLike) {
  const sudo = isRoot ? '' : 'sudo ';
  if (debianLike) return `${sudo}${aptCommand(pkgs)}`;
  for (const manager of OTHER_MANAGERS) {
    if (onPath(manager.command))
      return `${sudo}${manager.install(pkgs.map((p) => (manager.key && p[manager.key]) || p.name))}`;
  }
  return `install with your system's package manager: ${describe(pkgs)}`;
}

function apt(args) {
  const aptGet = process.env.BLOCKWATCH_APT_GET ?? 'apt-get';
  say(`$ apt-get ${args.join(' ')}`);
  const r = spawnSync(aptGet, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) say(`could not run ${aptGet}: ${r.error.message}`);
  return r.status === 0;
}

function main() {
  const debianLike = isDebianLike();
  if (!isRoot) {
    const chromium = PACKAGES.find((p) => p.name === 'chromium');
    if (target === 'test') {
      const noBrowser = missingTools(chromium).length > 0;
      say(
        `not root: the lab tests are skipped (they need root for network namespaces)${
          noBrowser ? `, and the browser tests too (no Chromium: ${installCommand([chromium], debianLike)})` : ''
        }`,
      );
      return 0;
    }
    const missing = missingPackages();
    say(
      `the demo needs root (the lab creates network namespaces) and ${needed.map((p) => p.name).join(', ')}: ${
        missing.length ? `${installCommand(missing, debianLike)} && ` : ''
      }sudo npm run demo`,
    );
    return 1;
  }
  const missing = missingPackages();
  if (missing.length === 0) return 0;
  if (!debianLike) {
    say(`missing ${describe(missing)}; run: ${installCommand(missing, false)}`);
    return 1;
  }
  say(`installing ${missing.map((p) => p.name).join(', ')} with apt-get (${describe(missing)})…`);
  if (!apt(['update']) || !apt(['install', '-y', '--no-install-recommends', ...missing.map((p) => p.name)])) {
    say(`apt-get failed; run: ${aptCommand(missing)}`);
    return 1;
  }
  const still = missingPackages();
  if (still.length) {
    say(`not on PATH even after apt-get: ${describe(still)}`);
    return 1;
  }
  say(`installed ${missing.map((p) => p.name).join(', ')}`);
  return 0;
}

process.exitCode = main();
