// resolveTarget: what `plan` and `snapshot` need to know about a profile's target, decided from observed objects.
import type { Profile } from "../profiles/types.ts";
import { execIn, isPodTarget } from "./exec.ts";
import { podLabel, podName, selectPod } from "./pods.ts";
import { failure, type BackupTarget, type ExecTarget, type Observed, type Outcome } from "./types.ts";
import { mapFolders } from "./volumes.ts";

export interface ResolvedTarget extends BackupTarget {
  /** command-before / command-after: the target pod and the container they run in. */
  commandBefore?: ExecTarget;
  commandAfter?: ExecTarget;
}

/**
 * The profile's pod (exactly one live pod), its node, and the source behind every folder; for a node profile, the
 * node's host paths; for a stdin-only profile, nothing (see resolveStdinTarget).
 */
export function resolveTarget(profile: Profile, observed: Observed): Outcome<{ target: ResolvedTarget }> {
  const t = profile.target;
  if (t.kind === "node") return nodeTarget(profile, t.node, observed);
  if (!isPodTarget(t) || !profile.namespace) return { ok: true, target: { volumes: [], notes: [] } };
  const namespace = profile.namespace;

  const found = selectPod(namespace, t, observed);
  if (!found.ok) return found;
  const pod = found.pod;
  const node = pod.spec?.nodeName;
  if (!node) return failure("pod-not-scheduled", `pod ${podLabel(pod, namespace)} is not scheduled on a node yet (${pod.status?.phase ?? "no phase"})`);

  const mapped = mapFolders(pod, profile.folders, namespace, observed);
  if (!mapped.ok) return mapped;

  const target: ResolvedTarget = {
    pod: { namespace: pod.metadata?.namespace ?? namespace, name: podName(pod), ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
    node,
    volumes: mapped.volumes,
    notes: mapped.notes,
  };
  for (const [key, purpose] of [["commandBefore", "command-before"], ["commandAfter", "command-after"]] as const) {
    const spec = profile[key];
    if (!spec) continue;
    const e = execIn(pod, namespace, spec, purpose);
    if (!e.ok) return e;
    target[key] = e.exec;
  }
  return { ok: true, target };
}

function nodeTarget(profile: Profile, node: string, observed: Observed): Outcome<{ target: ResolvedTarget }> {
  if (observed.nodes) {
    const n = observed.nodes.find((x) => x.metadata?.name === node);
    if (!n) return failure("node-not-found", `node ${JSON.stringify(node)} not found`);
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    if (ready && ready.status !== "True") return failure("node-not-ready", `node ${JSON.stringify(node)} is not Ready (Ready=${ready.status})`);
  }
  return {
    ok: true,
    target: {
      node,
      volumes: profile.folders.map((f) => ({ kind: "hostPath", hostPath: f, mounts: [{ folder: f, mountPath: f, readOnly: true }] })),
      notes: [],
    },
  };
}
