export {
  type CheckpointContents,
  type CheckpointInfo,
  type CheckpointTargets,
  type LoadCheckpointOptions,
  loadCheckpoint,
  restoreCheckpoint,
  type StateDictModule,
  type StatefulOptimizer,
  type StatefulScheduler,
  saveCheckpoint,
  serializeCheckpoint,
} from './checkpoint';
export { DataFormatError } from './errors';
export { loadSafetensorsFile, saveSafetensorsFile, writeFileAtomic } from './files';
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
