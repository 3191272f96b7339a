#!/usr/bin/env node
/**
 * `spinn train | eval | predict | bench | summarize | compare`, built on @rnn/train (progress bar,
 * metrics, checkpoints with exact resume, early stopping, report, run summary) like every app.
 */
import { runCli } from '@rnn/train/node';
import { program } from './program';

process.exitCode = await runCli(program);
