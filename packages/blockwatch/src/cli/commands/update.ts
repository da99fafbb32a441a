import { dataDir, updateData } from '../../data/index.ts';
import { defineCommand } from '../command.ts';

export default defineCommand({
  name: 'update',
  summary: "download current test lists, blocking fingerprints and Signal's root CA into the data directory",
  usage: '[--from URL] [--lists NAME,…] [options]',
  details: `
Downloads OONI's blocking fingerprints (github.com/ooni/blocking-fingerprints) and Citizen Lab test lists
(github.com/citizenlab/test-lists, lists/NAME.csv) into the data directory ($BLOCKWATCH_DATA_DIR, else
$XDG_DATA_HOME/blockwatch, else ~/.local/share/blockwatch), and Signal's private root CA (the certificateAuthority
of github.com/signalapp/Signal-Desktop config/production.json) as signal-ca.pem, which the signal test trusts.
All files are checked before any is replaced: a failed update changes nothing. --from takes a mirror laid out as
BASE/fingerprints/*.csv, BASE/test-lists/*.csv and BASE/signal/production.json.

Examples:
  blockwatch update
  blockwatch update --lists global,kz,ru
  blockwatch update --from http://127.0.0.1:8080/data`,
  options: {
    from: { type: 'string', arg: 'URL', description: 'download from this mirror instead of GitHub' },
    lists: { type: 'string', arg: 'NAME,…', description: 'test lists to download', default: 'global' },
    dir: { type: 'string', arg: 'DIR', description: 'data directory (default: $BLOCKWATCH_DATA_DIR or the XDG path)' },
    json: { type: 'boolean', description: 'print what was updated as JSON' },
  },
  async run({ values }, ctx) {
    const dir = values.dir ?? dataDir(ctx.env);
    const lists = (values.lists ?? 'global')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const files = await updateData({
      dir,
      lists,
      from: values.from,
      signal: ctx.signal,
      onProgress: (message) => ctx.stderr.write(`${message}\n`),
    });
    if (values.json) ctx.stdout.write(`${JSON.stringify({ dir, files })}\n`);
    else {
      for (const f of files) ctx.stdout.write(`${f.path}  ${f.rows} rows, ${f.bytes} bytes\n`);
      ctx.stdout.write(`updated ${files.length} files in ${dir}\n`);
    }
    return 0;
  },
});
