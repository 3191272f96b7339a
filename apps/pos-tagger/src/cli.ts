#!/usr/bin/env node
/**
 * `pos-tagger train | eval | predict`: a BiLSTM part-of-speech tagger on UD English EWT, built on
 * @rnn/train (progress bar, metrics, checkpoints with exact resume, early stopping, report).
 */
import { runCli } from '@rnn/train/node';
import { program } from './program';

process.exitCode = await runCli(program);
