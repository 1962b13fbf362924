#!/usr/bin/env node
import { processIo } from "./io.js";
import { run } from "./run.js";

// Commands that use the GPU finish asynchronously; either way the exit code lands here.
void Promise.resolve(run(processIo(), process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
