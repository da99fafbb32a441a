/**
 * Entry point of the lab's daemons: `node --import tsx daemons/main.ts internet|isp CONFIG.json`.
 * Started detached by `lab up` inside a namespace (`ip netns exec`); logs go to the state directory.
 */
import { readFileSync } from 'node:fs';
import { runInternet } from './internet.ts';
import { runIsp } from './isp.ts';

const [role, configPath] = process.argv.slice(2);
if (!role || !configPath) {
  console.error('usage: main.ts internet|isp CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
// A daemon must survive one bad flow: log and carry on (every socket has its own error handler; this is the net).
process.on('uncaughtException', (err) => console.error(`${new Date().toISOString()} uncaught: ${err.stack ?? err}`));

if (role === 'internet') await runInternet(config);
else if (role === 'isp') await runIsp(config);
else {
  console.error(`unknown role '${role}'`);
  process.exit(2);
}
console.error(`${new Date().toISOString()} ${role} ready`);
