/** Checkpoints: the safetensors format, atomic writes, gnnc's checkpoint contents and matching them to a module. */
export { SAFETENSORS_DTYPES, isSafetensorsDType, type SafetensorsDType, type TensorArray } from "./dtypes.js";
export { CheckpointError } from "./errors.js";
export { encodeSafetensors, decodeSafetensors, type SafeTensor, type Metadata, type SafetensorsContents } from "./safetensors.js";
export { writeSafetensors, readSafetensors } from "./safetensors-file.js";
export { writeFileAtomic, checkWritable, createFolder, WriteFileError, type AtomicWriteOptions } from "./atomic-write.js";
export { saveCheckpoint, loadCheckpoint, safeTensors, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint, type CheckpointInfo } from "./checkpoint.js";
export { matchParams, isOptimizerState, type MatchOptions } from "./match.js";
