// The rafdir configuration: parse the ConfigMap, decide which profiles are due, schedule helpers.
export type * from "./types.ts";
export { CONFIG_MAP_NAME, ConfigKeys, parseRafdirConfig } from "./parse.ts";
export { ADJUDICATORS, dueProfiles, type DueConfig, type DueDecision, type DueInput, type DueRequest, type DueRun, type DueSkip } from "./due.ts";
export { cronDue, cronProblem, nextRun, timeZoneProblem } from "./cron.ts";
export { DEFAULT_SCHEDULES } from "./schedules.ts";
export { DEFAULT_SETTINGS } from "./settings.ts";
export { formatDuration, parseDuration } from "./duration.ts";
export { formatSelector, fromKubeSelector, matchesSelector, parseSelector, type KubeLabelSelector } from "./selector.ts";
export { isWithin, normalisePath } from "./paths.ts";
export { isDnsLabel, isDnsSubdomain } from "./names.ts";
