import { RnnError } from '@rnn/tensor';

/**
 * A file or byte buffer that does not follow its format (a safetensors header that is not JSON,
 * offsets that do not cover the data, a checkpoint without its parts, ...). The message says what
 * was expected and what was found.
 */
export class DataFormatError extends RnnError {}
