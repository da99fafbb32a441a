import { BlockwatchError } from '../../errors.ts';
import { defineCommand } from '../command.ts';

export default defineCommand({
  name: 'analyze',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'analyze is not implemented yet');
  },
});
