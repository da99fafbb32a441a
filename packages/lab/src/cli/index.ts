export { default as labCommand } from './lab.ts';
