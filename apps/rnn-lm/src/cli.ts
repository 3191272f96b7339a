#!/usr/bin/env node
/**
 * `rnn-lm train | eval | sample`: the fourth seed tutorial (an LSTM language model on the Penn
 * Treebank) as an app, built on @rnn/train (progress bar, metrics, checkpoints with exact resume,
 * report, run summary) like every app.
 */
import { runCli } from '@rnn/train/node';
import { program } from './program';

process.exitCode = await runCli(program);
