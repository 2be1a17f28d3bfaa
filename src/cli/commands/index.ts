/** Every subcommand, in the order `fraudops --help` lists them. */
import type { Command } from '../command.js';
import { championCommand } from './champion.js';
import { demoCommand } from './demo.js';
import { featuresCommand } from './features.js';
import { generateCommand } from './generate.js';
import { migrateLakeCommand } from './migrateLake.js';
import { modelsListCommand, modelsShowCommand, promoteCommand, rollbackCommand } from './models.js';
import { trackingMigrateCommand } from './tracking.js';
import { exportAirflowCommand } from './exportAirflow.js';
import { packageCommand } from './package.js';
import { pipelineRunCommand } from './pipeline.js';
import { pipelineTaskCommand } from './pipelineTask.js';
import { prepareCommand } from './prepare.js';
import { capacityCommand } from './capacity.js';
import { replayCommand } from './replay.js';
import { runsCancelCommand, runsListCommand, runsLogsCommand, runsRetryCommand, runsShowCommand } from './runs.js';
import { schedulerStartCommand } from './scheduler.js';
import { scoreCommand } from './score.js';
import { streamCommand } from './stream.js';
import { trainCommand } from './train.js';
import { uiCommand } from './ui.js';
import { validateCommand } from './validate.js';

export const commands: Command[] = [demoCommand, generateCommand, prepareCommand, featuresCommand, trainCommand, validateCommand, championCommand, modelsListCommand, modelsShowCommand, promoteCommand, rollbackCommand, scoreCommand, replayCommand, streamCommand, capacityCommand, packageCommand,
  pipelineRunCommand, schedulerStartCommand, runsListCommand, runsShowCommand, runsLogsCommand, runsRetryCommand, runsCancelCommand,
  pipelineTaskCommand, exportAirflowCommand, trackingMigrateCommand, migrateLakeCommand, uiCommand];
