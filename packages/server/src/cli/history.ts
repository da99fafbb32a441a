import { defineCommand } from 'blockwatch/cli';
import { BlockwatchError } from 'blockwatch/errors.ts';

export default defineCommand({
  name: 'history',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'history is not implemented yet');
  },
});
