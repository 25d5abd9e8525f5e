import type { CliCommand } from '../command'
import { dataCommand } from './data'
import { evalCommand } from './eval'
import { modelCommand } from './model'
import { trainCommand } from './train'
import { empiricalCommand } from './empirical'
import { featuresCommand } from './features'
import { infoCommand } from './info'
import { kernelCommand } from './kernel'
import { predictCommand } from './predict'
import { quantizeCommand } from './quantize'
import { runCommand } from './run'
import { schemaCommand } from './schema'
import { serveCommand } from './serve'

// Every `ntkw` subcommand, in the order `ntkw --help` lists them.
export const commands: CliCommand[] = [infoCommand, runCommand, schemaCommand, serveCommand, kernelCommand, empiricalCommand, predictCommand, featuresCommand, dataCommand, trainCommand, evalCommand, modelCommand, quantizeCommand]
