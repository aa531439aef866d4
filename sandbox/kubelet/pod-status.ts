// Pure: a pod's status from what the kubelet knows about its containers.

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export interface ContainerRecord {
  name: string;
  image: string;
  restartCount: number;
  /** The current instance's state. */
  state:
    | { kind: "waiting"; reason: string; message?: string }
    | { kind: "running"; startedAt: Date }
    | { kind: "terminated"; exitCode: number; signal?: string; reason: string; message?: string; startedAt: Date; finishedAt: Date };
  lastTerminated?: { exitCode: number; reason: string; message?: string; startedAt: Date; finishedAt: Date };
  containerId?: string;
}

export interface PodRecord {
  restartPolicy: RestartPolicy;
  initContainers: ContainerRecord[];
  containers: ContainerRecord[];
  initDone: boolean;
  startTime?: Date;
  /** Set when the pod failed as a whole (e.g. it cannot start: volumes, env). */
  failed?: { reason: string; message: string };
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Whether a container that just exited with `exitCode` should run again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
}

export function podPhase(rec: PodRecord): "Pending" | "Running" | "Succeeded" | "Failed" {
  if (rec.failed) return "Failed";
  const initFailed = rec.initContainers.some((c) => c.state.kind === "terminated" && c.state.exitCode !== 0 && !shouldRestart(rec.restartPolicy === "Always" ? "OnFailure" : rec.restartPolicy, c.state.exitCode));
  if (initFailed) return "Failed";
  if (!rec.initDone) return "Pending";
  const states = rec.containers.map((c) => c.state);
  if (states.some((s) => s.kind === "waiting" && s.reason === "ContainerCreating")) return "Pending";
  if (states.every((s) => s.kind === "terminated")) {
    const terminated = states as Array<Extract<ContainerRecord["state"], { kind: "terminated" }>>;
    const willRestart = terminated.some((s) => shouldRestart(rec.restartPolicy, s.exitCode));
    if (willRestart) return "Running";
    return terminated.every((s) => s.exitCode === 0) ? "Succeeded" : "Failed";
  }
  return "Running";
}

function containerStatus(c: ContainerRecord, isInit: boolean): Record<string, unknown> {
  const s = c.state;
  const state =
    s.kind === "waiting"
      ? { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } }
      : s.kind === "running"
        ? { running: { startedAt: iso(s.startedAt) } }
        : {
            terminated: {
              exitCode: s.exitCode,
              ...(s.signal ? { signal: signalNumber(s.signal) } : {}),
              reason: s.reason,
              ...(s.message ? { message: s.message } : {}),
              startedAt: iso(s.startedAt),
              finishedAt: iso(s.finishedAt),
              ...(c.containerId ? { containerID: c.containerId } : {}),
            },
          };
  const last = c.lastTerminated
    ? {
        terminated: {
          exitCode: c.lastTerminated.exitCode,
          reason: c.lastTerminated.reason,
          ...(c.lastTerminated.message ? { message: c.lastTerminated.message } : {}),
          startedAt: iso(c.lastTerminated.startedAt),
          finishedAt: iso(c.lastTerminated.finishedAt),
        },
      }
    : {};
  const running = s.kind === "running";
  return {
    name: c.name,
    image: c.image,
    imageID: `sandbox://${c.image}`,
    ...(c.containerId ? { containerID: c.containerId } : {}),
    ready: isInit ? s.kind === "terminated" && s.exitCode === 0 : running,
    started: running,
    restartCount: c.restartCount,
    state,
    lastState: last,
  };
}

function signalNumber(signal: string): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
  return numbers[signal] ?? 0;
}

export function podStatus(rec: PodRecord, nodeIp: string, scheduledAt: string | undefined): Record<string, unknown> {
  const phase = podPhase(rec);
  const allRunning = rec.containers.length > 0 && rec.containers.every((c) => c.state.kind === "running");
  const ready = allRunning && phase === "Running";
  const cond = (type: string, ok: boolean, reason?: string) => ({
    type,
    status: ok ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: scheduledAt ?? null,
    ...(reason && !ok ? { reason } : {}),
  });
  const notReadyReason = phase === "Succeeded" || phase === "Failed" ? "PodCompleted" : "ContainersNotReady";
  return {
    phase,
    ...(rec.failed ? { reason: rec.failed.reason, message: rec.failed.message } : {}),
    conditions: [
      cond("PodReadyToStartContainers", true),
      cond("Initialized", rec.initDone, "ContainersNotInitialized"),
      cond("Ready", ready, notReadyReason),
      cond("ContainersReady", ready, notReadyReason),
      cond("PodScheduled", true),
    ],
    hostIP: nodeIp,
    hostIPs: [{ ip: nodeIp }],
    podIP: nodeIp,
    podIPs: [{ ip: nodeIp }],
    ...(rec.startTime ? { startTime: iso(rec.startTime) } : {}),
    ...(rec.initContainers.length > 0 ? { initContainerStatuses: rec.initContainers.map((c) => containerStatus(c, true)) } : {}),
    containerStatuses: rec.containers.map((c) => containerStatus(c, false)),
    qosClass: "BestEffort",
  };
}
