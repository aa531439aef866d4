// functions/common: what every function shares beyond shared/ — its dependencies, its main, and the run record.
export { CommonEnvSchema, ConfigMissingError, createDeps, loadCommonEnv, readRafdirConfig, type CommonEnv, type CreateDepsOptions, type FunctionDeps } from "./deps.ts";
export { runFunction, type AppBuilder, type AppOptions } from "./run-function.ts";
export {
  abortRun,
  claimHolder,
  claimRun,
  getRun,
  isClaimed,
  listRuns,
  patchRunStatus,
  recordRunEvent,
  runLog,
  type AbortReason,
  type AbortStep,
  type MergePatch,
  type RunStatusPatch,
} from "./run-status.ts";
export { observeTarget } from "./observe.ts";
