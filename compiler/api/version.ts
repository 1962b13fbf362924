/** gnnc's version: what `gnnc --version` prints and what cached artefacts are keyed by. */
export const GNNC_VERSION = "0.1.0";
