/**
 * `npm run demo` (root): the seed story end to end. Three Kazakh-like ISPs block a news story on 24 November 2014
 * (DNS, an HTTP block page, TLS); the lab replays 20–28 November on its clock, every round goes through the
 * collector, the event detector raises the event, and the dashboard shows it. docs/demo.md explains the result.
 *
 *   npm run demo [-- --dir ./blockwatch-demo] [--listen 127.0.0.1:8080] [--every 6] [--rounds N] [--timeout 4]
 *                [--no-serve] [--keep-lab]
 *
 * --no-serve prints the summary and exits: 0 when all three networks were found blocking the story with the
 * expected methods, 2 otherwise, 1 when the demo could not run.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { requireRoot } from '../topology.ts';
import { runDemo } from './run.ts';

const log = (line: string) => process.stderr.write(`demo: ${line}\n`);

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      dir: { type: 'string', default: './blockwatch-demo' },
      listen: { type: 'string', default: '127.0.0.1:8080' },
      every: { type: 'string', default: '6' },
      rounds: { type: 'string' },
      timeout: { type: 'string', default: '4' },
      'no-serve': { type: 'boolean', default: false },
      'keep-lab': { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
const number = (name: string, min: number, max: number): number | undefined => {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  return n;
};
const everyHours = number('every', 1, 72) as number;
const maxRounds = number('rounds', 1, 1000);
const timeoutSeconds = number('timeout', 1, 120) as number;
try {
  requireRoot();
} catch (err) {
  fail(`${(err as Error).message} (the lab creates network namespaces)`);
}

const serve = !values['no-serve'];
// Ctrl-C during the replay: finish cleanly (the probes get the signal too; the lab goes down, the server stops).
const interrupt = new AbortController();
const onInterrupt = () => {
  log('interrupted: cleaning up (the lab goes down)…');
  interrupt.abort();
};
process.once('SIGINT', onInterrupt);
let result: Awaited<ReturnType<typeof runDemo>>;
try {
  result = await runDemo({
    dir: resolve(values.dir as string),
    listen: values.listen as string,
    everyHours,
    ...(maxRounds !== undefined ? { maxRounds } : {}),
    timeoutSeconds,
    keepLab: !!values['keep-lab'],
    serve,
    signal: interrupt.signal,
    log,
    print: (line) => process.stdout.write(`${line}\n`),
  });
} catch (err) {
  fail(interrupt.signal.aborted ? 'interrupted (the lab is down, the server stopped)' : (err as Error).message);
}
process.off('SIGINT', onInterrupt);
if (!result.finding.ok) {
  log('the observatory did not find what the ISPs did (see MISS / UNEXPECTED above)');
  if (!serve) process.exit(2);
}
if (result.server) {
  const { server } = result;
  log(`serving the dashboard on ${server.origin}/ — Ctrl-C stops`);
  const stop = () => {
    log('stopping the server…');
    void server.stop().then(() => process.exit(result.finding.ok ? 0 : 2));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.child.once('exit', (code) => {
    if (code) fail(`the server exited with ${code}`);
  });
} else {
  process.exit(0);
}
