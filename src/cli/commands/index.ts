/** Every subcommand, in the order `fraudops --help` lists them. */
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { featuresCommand } from './features.js';
import { generateCommand } from './generate.js';
import { prepareCommand } from './prepare.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [demoCommand, generateCommand, prepareCommand, featuresCommand, trainCommand];
