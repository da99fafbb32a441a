import { defineCommand } from 'blockwatch/cli';
import { BlockwatchError } from 'blockwatch/errors.ts';

export default defineCommand({
  name: 'registry',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'registry is not implemented yet');
  },
});
