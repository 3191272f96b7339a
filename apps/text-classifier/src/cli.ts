#!/usr/bin/env node
/**
 * `text-classifier train | eval | predict | compare`: the THUCNews BiLSTM headline classifier of the
 * third seed tutorial, built on @rnn/train (progress bar, metrics, checkpoints with exact resume,
 * early stopping, report, run summary) like every app.
 */
import { runCli } from '@rnn/train/node';
import { program } from './program';

process.exitCode = await runCli(program);
