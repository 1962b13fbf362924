/**
 * Diagnostic codes of schedules (E55x, in the train-block range E5xx): a `schedule = kind(…)`
 * whose options, or whose train block, the kind cannot take. Each is reported where it was
 * written, before anything runs.
 */
export const SCHEDULE_CODES = {
  unknownOption: { code: "E550", summary: "the schedule has no option of this name" },
  wrongType: { code: "E551", summary: "a schedule option has the wrong type" },
  outOfRange: { code: "E552", summary: "a schedule option is out of range" },
  listLength: { code: "E553", summary: "a per-item list of a schedule does not have one value per item" },
  missingOption: { code: "E554", summary: "a required schedule option is missing" },
  unusedKey: { code: "E555", summary: "a train-block key the schedule does not use (or a key it needs is missing)" },
  unfitBlock: { code: "E556", summary: "the train block's loss, reports, selection or optimizer do not fit the schedule" },
  conflict: { code: "E557", summary: "two options of the schedule ask for contradictory things" },
} as const;
