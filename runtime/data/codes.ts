/**
 * Codes of data errors (E7xx): problems in the files a run reads (datasets, checkpoints) or in the
 * options of a generated dataset, never a bug in gnnc. The message of each names the file and the
 * value; `help` says what to do about that kind of problem.
 */
export const DATA_CODES = {
  notFound: { code: "E701", summary: "a dataset or one of its files cannot be found or read", help: "check the data directory (--data-dir or GNNC_DATA_DIR) and the file's permissions" },
  malformed: { code: "E702", summary: "a data file is not in the expected format", help: "the file is damaged or not what its name says; re-export or re-download the dataset" },
  sizeMismatch: { code: "E703", summary: "sizes in a dataset's files disagree", help: "a file was truncated or its metadata edited by hand; re-export or re-download the dataset" },
  badValue: { code: "E704", summary: "a value in a data file is out of range or invalid", help: "fix the value in the file, or re-export the dataset" },
  badSplit: { code: "E705", summary: "a dataset's split is invalid or missing", help: "each split lists distinct, labelled node ids; the loss and metrics need their splits" },
  badGenerator: { code: "E706", summary: "the options of a generated dataset or split are out of range", help: "choose options in the stated ranges" },
  programMismatch: { code: "E707", summary: "the data disagrees with the sizes the program was compiled for", help: "compile and train with the same data directory" },
  checkpoint: { code: "E708", summary: "a checkpoint cannot be read or does not fit the model", help: "use a checkpoint saved by `gnnc train --save` for this model" },
  download: { code: "E709", summary: "a dataset download failed or its files did not verify", help: "check the URL or mirror and the network; a checksum mismatch means the file is not the one recorded: do not use it" },
  badTransform: { code: "E710", summary: "a dataset transform does not apply to this dataset", help: "remove the transform from `load(..., transforms = [...])`" },
} as const;

export type DataCodeName = keyof typeof DATA_CODES;
