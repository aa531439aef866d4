// Where commands run: stdin-command (in the stdin-selector pod or the target pod) and command-before/after (in the
// target pod), in the container asked for, else the pod's default container, else its only container.
import type { ExecSpec, Profile } from "../profiles/types.ts";
import { podLabel, podName, selectPod, selectPodBySelector, type PodTarget } from "./pods.ts";
import { failure, type ExecTarget, type Observed, type Outcome, type PodLike } from "./types.ts";

/** kubectl's annotation naming the container `kubectl exec` uses by default. */
export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

/** The container to exec in; `option` names the profile option that chooses it, for the message. */
export function pickContainer(pod: PodLike, requested: string | undefined, option: string, namespace: string): Outcome<{ container: string }> {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const list = names.join(", ") || "none";
  if (requested !== undefined)
    return names.includes(requested)
      ? { ok: true, container: requested }
      : failure("container-not-found", `container ${JSON.stringify(requested)} (${option}) is not in pod ${podLabel(pod, namespace)} (containers: ${list})`);
  const preferred = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (preferred !== undefined && names.includes(preferred)) return { ok: true, container: preferred };
  if (names.length === 1 && names[0] !== undefined) return { ok: true, container: names[0] };
  return failure("container-ambiguous", `pod ${podLabel(pod, namespace)} has ${names.length} containers (${list}); set ${option} to choose one`);
}

export type CommandOption = "stdin-command" | "command-before" | "command-after";

/** A command's target in a known pod, which must be running. */
export function execIn(pod: PodLike, namespace: string, spec: ExecSpec, purpose: CommandOption): Outcome<{ exec: ExecTarget }> {
  const phase = pod.status?.phase;
  if (phase !== undefined && phase !== "Running") return failure("pod-not-running", `pod ${podLabel(pod, namespace)} is ${phase}; ${purpose} needs a running pod`);
  const option = purpose === "stdin-command" ? "stdin-container" : `${purpose}.container`;
  const c = pickContainer(pod, spec.container, option, namespace);
  if (!c.ok) return c;
  return { ok: true, exec: { namespace: pod.metadata?.namespace ?? namespace, pod: podName(pod), container: c.container, command: spec.command } };
}

/**
 * Where stdin-command runs: the one pod `stdin-selector` matches in `stdin-namespace` (default: the profile's
 * namespace), else the profile's own target pod.
 */
export function resolveStdinTarget(profile: Profile, observed: Observed): Outcome<{ exec: ExecTarget }> {
  const stdin = profile.stdin;
  if (!stdin) return failure("no-stdin-command", `profile ${JSON.stringify(profile.name)} has no stdin-command`);
  let found: Outcome<{ pod: PodLike }>;
  if (stdin.selector) found = selectPodBySelector(stdin.namespace, stdin.selector, observed);
  else if (isPodTarget(profile.target) && profile.namespace) found = selectPod(profile.namespace, profile.target, observed);
  else return failure("no-target", `profile ${JSON.stringify(profile.name)} has no pod to run stdin-command in: set stdin-selector`);
  if (!found.ok) return { ...found, message: `stdin-command: ${found.message}` };
  return execIn(found.pod, stdin.namespace, stdin, "stdin-command");
}

export const isPodTarget = (t: Profile["target"]): t is PodTarget => t.kind === "deployment" || t.kind === "statefulset" || t.kind === "selector";
