// Pure target resolution: a profile + observed Kubernetes objects → the pod, its node and the sources to back up.
export type * from "./types.ts";
export { failure } from "./types.ts";
export { resolveTarget, type ResolvedTarget } from "./resolve.ts";
export { DEFAULT_CONTAINER_ANNOTATION, execIn, pickContainer, resolveStdinTarget, type CommandOption } from "./exec.ts";
export { describeTarget, selectPod, selectPodBySelector, type PodTarget } from "./pods.ts";
export { mapFolders } from "./volumes.ts";
