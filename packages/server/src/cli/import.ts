import { defineCommand } from 'blockwatch/cli';
import { BlockwatchError } from 'blockwatch/errors.ts';

export default defineCommand({
  name: 'import',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'import is not implemented yet');
  },
});
