import { DataError } from "../data/errors.js";

/**
 * A checkpoint that cannot be read or does not fit the model: a one-line message naming the
 * file and the offending tensor or header field. A DataError, so every command that already
 * reports bad input data reports it the same way.
 */
export class CheckpointError extends DataError {
  constructor(message: string, file?: string) {
    super("checkpoint", message, file);
    this.name = "CheckpointError";
  }
}
