/** Host-side training support: learning-rate schedules and evaluation metrics. */
export { lrAt, lrScheduleProblems, type LrSchedule } from "./lr-schedule.js";
export { accuracy, binaryAuc, macroF1, rocAuc, type NodeIds } from "./metrics.js";
