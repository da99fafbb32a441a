import { BlockwatchError } from '../../errors.ts';
import { defineCommand } from '../command.ts';

export default defineCommand({
  name: 'helper',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'helper is not implemented yet');
  },
});
