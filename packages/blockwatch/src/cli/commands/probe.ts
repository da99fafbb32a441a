import { BlockwatchError } from '../../errors.ts';
import { defineCommand } from '../command.ts';

export default defineCommand({
  name: 'probe',
  summary: 'not implemented yet',
  usage: '[options]',
  options: {},
  positionals: true,
  async run() {
    throw new BlockwatchError('BW_ERR_NOT_INSTALLED', 'probe is not implemented yet');
  },
});
