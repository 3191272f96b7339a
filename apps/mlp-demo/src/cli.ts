#!/usr/bin/env node
/**
 * The @rnn quick demo as an app: `mlp-demo train | eval | predict | compare`, built on @rnn/train
 * (progress bar, metrics, checkpoints with exact resume, early stopping, report) like every app.
 */
import { runCli } from '@rnn/train/node';
import { program } from './program';

process.exitCode = await runCli(program);
