// DataFormatError lives in @rnn/tensor (shared with @rnn/data); re-exported for convenience.
export { DataFormatError } from '@rnn/tensor';
export {
  type CheckpointContents,
  type CheckpointInfo,
  type CheckpointTargets,
  type LoadCheckpointOptions,
  restoreCheckpoint,
  type StateDictModule,
  type StatefulOptimizer,
  type StatefulScheduler,
  serializeCheckpoint,
} from './checkpoint';
export { decodeJson, encodeJson } from './json';
export {
  type LoadSafetensorsOptions,
  loadSafetensors,
  readSafetensorsHeader,
  SAFETENSORS_DTYPES,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  saveSafetensors,
  saveSafetensorsAsync,
} from './safetensors';
