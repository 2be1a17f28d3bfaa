/** Every subcommand, in the order `fraudops --help` lists them. */
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { generateCommand } from './generate.js';
import { prepareCommand } from './prepare.js';

export const commands: Command[] = [demoCommand, generateCommand, prepareCommand];
