// Loads the TypeScript sources in a worker thread started from them (the tests run gnnc from its
// sources; the build runs compiled JavaScript and needs none of this): `--import` this file.
import { register } from "node:module";

register("./ts-worker-loader.mjs", import.meta.url);
