// What a command module needs, and nothing of the CLI that lists and runs them (main.ts): packages that add
// commands import this, and the CLI finds them through their `cli` entry point, so no import runs both ways.
export type { Command, CommandContext, CommandEntry, OptionSpec, OptionTable, OptionValues } from './command.ts';
export { defineCommand, intOption, parseCommandArgs, renderHelp, secondsOption } from './command.ts';
