export type { Command, CommandContext, OptionSpec, OptionTable, OptionValues } from './command.ts';
export { defineCommand, intOption, parseCommandArgs, renderHelp, secondsOption } from './command.ts';
export { COMMANDS, defaultContext, runCli } from './main.ts';
