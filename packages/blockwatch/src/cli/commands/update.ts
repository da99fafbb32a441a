import { BlockwatchError } from '../../errors.ts';
import { defineCommand } from '../command.ts';

export default defineCommand({
  name: 'update',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'update is not implemented yet');
  },
});
