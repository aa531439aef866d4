// The sandbox kubelet: schedules pods onto the sandbox's nodes and runs their containers as local processes.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { KObject } from "../apiserver/types.ts";
import { ApiError } from "../apiserver/types.ts";
import type { PodIo } from "../apiserver/server.ts";
import { WorkQueue, every, isNotFound, objectKey, onResources, resources, splitKey, type Controller, type ControllerContext } from "../controllers/framework.ts";
import { podDir } from "../controllers/paths.ts";
import { containerEnv, expand } from "./env.ts";
import { podIo } from "./pod-io.ts";
import { podPhase, podStatus, shouldRestart, type ContainerRecord, type PodRecord, type RestartPolicy } from "./pod-status.ts";
import { podSpec, type ContainerDef } from "./pod-types.ts";
import { Container, type ContainerExit } from "./runtime.ts";
import { claimViews, decideNode, selectNodeForClaims } from "./scheduler.ts";
import { NotReadyError, containerMounts, resolvePodVolumes, type ResolvedVolume } from "./volumes.ts";

export interface KubeletOptions {
  nodes: string[];
  /** Image name (without tag) → host directories put first on PATH. */
  images: Record<string, string[]>;
  /** Env given to every container. */
  baseEnv: Record<string, string>;
}

const NODE_IP = "127.0.0.1";
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

/** One container slot of a running pod: its current instance and history. */
interface Slot {
  def: ContainerDef;
  record: ContainerRecord;
  instance?: Container;
}

export interface PodRuntime {
  uid: string;
  key: string;
  node: string;
  spec: ReturnType<typeof podSpec>;
  record: PodRecord;
  init: Slot[];
  main: Slot[];
  stopping: boolean;
  volumes?: Map<string, ResolvedVolume>;
  timers: Set<NodeJS.Timeout>;
}

export class Kubelet implements Controller {
  readonly name = "kubelet";
  private readonly queue: WorkQueue;
  private readonly pods = new Map<string, PodRuntime>(); // by pod uid
  private readonly stops: Array<() => void> = [];
  private readonly warned = new Map<string, string>(); // pod key → last event message (avoid repeats)
  private nextNode = 0;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: KubeletOptions,
  ) {
    this.queue = new WorkQueue("kubelet", (key) => this.reconcile(key), ctx.log);
  }

  start(): void {
    this.markNodesReady();
    this.recoverAfterRestart();
    const r = resources(this.ctx.api);
    const all = () => {
      for (const p of this.ctx.api.list(r.pods, undefined).items) this.queue.enqueue(objectKey(p));
    };
    this.stops.push(
      onResources(this.ctx.api, ["/pods"], (e) => this.queue.enqueue(objectKey(e.object))),
      onResources(this.ctx.api, ["/persistentvolumeclaims", "/configmaps", "/secrets"], (e) => {
        for (const p of this.ctx.api.list(r.pods, e.object.metadata.namespace).items) {
          const phase = (p["status"] as { phase?: string } | undefined)?.phase;
          if (phase === "Pending") this.queue.enqueue(objectKey(p));
        }
      }),
      every(2000, all),
    );
    all();
  }

  async stop(): Promise<void> {
    for (const s of this.stops.splice(0)) s();
    await this.queue.stop();
    await Promise.all([...this.pods.values()].map((rt) => this.stopContainers(rt, 5000)));
    this.pods.clear();
  }

  podIo(): PodIo {
    return podIo(this.ctx.api, (uid) => this.pods.get(uid));
  }

  // --- reconcile ---

  private async reconcile(key: string): Promise<void> {
    const { api } = this.ctx;
    const { namespace, name } = splitKey(key);
    const info = resources(api).pods;
    const pod = api.tryGet(info, namespace, name);
    for (const rt of this.pods.values()) {
      if (rt.key === key && rt.uid !== pod?.metadata.uid) await this.teardown(rt, 0); // force-deleted or replaced
    }
    if (!pod) return;
    const uid = pod.metadata.uid ?? "";
    const spec = podSpec(pod);
    let rt = this.pods.get(uid);
    if (pod.metadata.deletionTimestamp) {
      if (rt) await this.teardown(rt, (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000);
      else await rm(podDir(this.ctx.dataDir, uid), { recursive: true, force: true });
      if ((pod.metadata.finalizers ?? []).length === 0) {
        try {
          api.delete(info, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
        } catch (e) {
          if (!isNotFound(e) && !(e instanceof ApiError && e.code === 409)) throw e;
        }
      }
      return;
    }
    if (!spec.nodeName) {
      this.schedule(pod);
      return;
    }
    if (!this.opts.nodes.includes(spec.nodeName)) return;
    const phase = (pod["status"] as { phase?: string } | undefined)?.phase;
    if (!rt) {
      if (phase === "Succeeded" || phase === "Failed") return;
      rt = this.newRuntime(pod, key, spec.nodeName);
      this.pods.set(uid, rt);
      void this.runPod(rt, pod).catch((e: unknown) => this.ctx.log.error({ pod: key, err: String(e) }, "pod start failed"));
    }
    this.writeStatus(rt);
  }

  private schedule(pod: KObject): void {
    const { api } = this.ctx;
    const spec = podSpec(pod);
    const key = objectKey(pod);
    const claims = claimViews(api, pod, spec);
    const preferred = this.opts.nodes[this.nextNode % this.opts.nodes.length] ?? "";
    const decision = decideNode(spec, this.opts.nodes, claims, preferred);
    if (decision.kind === "bind") {
      this.nextNode++;
      api.bindPod(pod.metadata.namespace ?? "default", pod.metadata.name ?? "", decision.node);
      api.recordEvent(pod, "Normal", "Scheduled", `Successfully assigned ${key} to ${decision.node}`, "default-scheduler");
      this.warned.delete(key);
      return;
    }
    if (decision.kind === "wait" && decision.reason === "WaitingForVolumes") selectNodeForClaims(api, claims, preferredNode(spec, this.opts.nodes, preferred));
    const message = decision.message;
    this.setScheduledCondition(pod, decision.kind === "unschedulable" ? "Unschedulable" : decision.reason, message);
    if (this.warned.get(key) !== message) {
      this.warned.set(key, message);
      if (decision.kind === "unschedulable" || decision.reason === "Unschedulable") api.recordEvent(pod, "Warning", "FailedScheduling", message, "default-scheduler");
    }
    this.queue.enqueue(key, 1000);
  }

  private setScheduledCondition(pod: KObject, reason: string, message: string): void {
    const status = { ...((pod["status"] ?? {}) as Record<string, unknown>) };
    const condition = { type: "PodScheduled", status: "False", reason, message, lastProbeTime: null, lastTransitionTime: pod.metadata.creationTimestamp ?? null };
    const conditions = (status["conditions"] as Array<{ type: string; message?: string }> | undefined) ?? [];
    if (conditions.some((c) => c.type === "PodScheduled" && c.message === message)) return;
    status["conditions"] = [...conditions.filter((c) => c.type !== "PodScheduled"), condition];
    this.updateStatus(pod, status);
  }

  // --- running a pod ---

  private newRuntime(pod: KObject, key: string, node: string): PodRuntime {
    const spec = podSpec(pod);
    const slot = (def: ContainerDef): Slot => ({
      def,
      record: { name: def.name, image: def.image, restartCount: 0, state: { kind: "waiting", reason: "ContainerCreating" } },
    });
    const init = (spec.initContainers ?? []).map(slot);
    const main = spec.containers.map(slot);
    for (const s of init) s.record.state = { kind: "waiting", reason: "PodInitializing" };
    return {
      uid: pod.metadata.uid ?? "",
      key,
      node,
      spec,
      init,
      main,
      record: {
        restartPolicy: (spec.restartPolicy ?? "Always") as RestartPolicy,
        initContainers: init.map((s) => s.record),
        containers: main.map((s) => s.record),
        initDone: init.length === 0,
        startTime: new Date(),
      },
      stopping: false,
      timers: new Set(),
    };
  }

  private async runPod(rt: PodRuntime, pod: KObject): Promise<void> {
    const { api, dataDir } = this.ctx;
    this.enforceDeadline(rt, pod);
    try {
      rt.volumes = await resolvePodVolumes(api, dataDir, pod, rt.node);
    } catch (e) {
      if (e instanceof NotReadyError) {
        this.pods.delete(rt.uid); // retry from scratch once what is missing shows up
        const message = `MountVolume.SetUp failed: ${e.message}`;
        if (this.warned.get(rt.key) !== message) {
          this.warned.set(rt.key, message);
          api.recordEvent(pod, "Warning", "FailedMount", message, "kubelet");
        }
        this.queue.enqueue(rt.key, 1000);
        return;
      }
      throw e;
    }
    for (const slot of rt.init) {
      if (rt.stopping) return;
      for (;;) {
        const exit = await this.runInstance(rt, pod, slot);
        if (rt.stopping || !exit) return;
        if (exit.exitCode === 0) break;
        if (rt.record.restartPolicy === "Never") {
          this.queue.enqueue(rt.key);
          return;
        }
        slot.record.restartCount++;
        await this.backoff(rt, slot);
      }
    }
    rt.record.initDone = true;
    this.queue.enqueue(rt.key);
    await Promise.all(rt.main.map((slot) => this.superviseContainer(rt, pod, slot)));
  }

  /**
   * spec.activeDeadlineSeconds, as the kubelet does: counted from the pod's start on the node; once passed, an active
   * pod's containers are stopped (with the pod's grace period) and the pod is Failed with reason DeadlineExceeded.
   */
  private enforceDeadline(rt: PodRuntime, pod: KObject): void {
    const seconds = rt.spec.activeDeadlineSeconds;
    if (typeof seconds !== "number" || seconds <= 0) return;
    const started = rt.record.startTime?.getTime() ?? Date.now();
    const t = setTimeout(() => {
      rt.timers.delete(t);
      const phase = podPhase(rt.record);
      if (rt.stopping || phase === "Succeeded" || phase === "Failed") return;
      const message = "Pod was active on the node longer than the specified deadline";
      rt.record.failed = { reason: "DeadlineExceeded", message };
      this.ctx.api.recordEvent(pod, "Normal", "DeadlineExceeded", message, "kubelet");
      this.queue.enqueue(rt.key);
      void this.stopContainers(rt, (rt.spec.terminationGracePeriodSeconds ?? 30) * 1000).then(() => this.queue.enqueue(rt.key));
    }, Math.max(0, started + seconds * 1000 - Date.now()));
    t.unref();
    rt.timers.add(t);
  }

  /** Runs a main container, restarting it as the pod's restartPolicy says, until the pod stops. */
  private async superviseContainer(rt: PodRuntime, pod: KObject, slot: Slot): Promise<void> {
    for (;;) {
      const exit = await this.runInstance(rt, pod, slot);
      if (rt.stopping || !exit) return;
      if (!shouldRestart(rt.record.restartPolicy, exit.exitCode)) return;
      slot.record.restartCount++;
      await this.backoff(rt, slot);
      if (rt.stopping) return;
    }
  }

  private async backoff(rt: PodRuntime, slot: Slot): Promise<void> {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, slot.record.restartCount - 1));
    const last = slot.record.state;
    if (last.kind === "terminated") {
      slot.record.lastTerminated = { exitCode: last.exitCode, reason: last.reason, message: last.message, startedAt: last.startedAt, finishedAt: last.finishedAt };
    }
    slot.record.state = { kind: "waiting", reason: "CrashLoopBackOff", message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${slot.def.name} pod=${rt.key}` };
    this.queue.enqueue(rt.key);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        rt.timers.delete(t);
        resolve();
      }, delay);
      rt.timers.add(t);
    });
  }

  /** Starts one instance of a container and waits for it to end. Undefined when the pod stopped first. */
  private async runInstance(rt: PodRuntime, pod: KObject, slot: Slot): Promise<ContainerExit | undefined> {
    const { api, log } = this.ctx;
    const def = slot.def;
    let container: Container;
    try {
      const extraPath = this.imagePath(def.image);
      const env = containerEnv({ api, pod, nodeName: rt.node, extraPath, base: this.opts.baseEnv }, def);
      const argv = [...(def.command ?? []), ...(def.args ?? [])].map((a) => expand(a, env));
      if (argv.length === 0) throw new NotReadyError(`the sandbox runs no image entrypoints: container "${def.name}" needs a command (image ${def.image})`);
      container = new Container({
        id: `${rt.uid}-${def.name}-${slot.record.restartCount}`,
        command: argv,
        env,
        workingDir: def.workingDir,
        mounts: await containerMounts(def, rt.volumes ?? new Map()),
        terminationMessagePath: def.terminationMessagePath,
        stateDir: join(podDir(this.ctx.dataDir, rt.uid), "containers", def.name, String(slot.record.restartCount)),
        extraPath,
        hostname: pod.metadata.name,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const now = new Date();
      slot.record.state = { kind: "terminated", exitCode: 128, reason: "CreateContainerConfigError", message, startedAt: now, finishedAt: now };
      api.recordEvent(pod, "Warning", "Failed", `Error: ${message}`, "kubelet");
      this.queue.enqueue(rt.key);
      return { exitCode: 128, reason: "ContainerCannotRun", message, startedAt: now, finishedAt: now };
    }
    if (rt.stopping) return undefined;
    slot.instance = container;
    await container.start();
    if (container.state === "running") {
      slot.record.state = { kind: "running", startedAt: container.startedAt };
      slot.record.containerId = `sandbox://${container.id}`;
      api.recordEvent(pod, "Normal", "Started", `Started container ${def.name}`, "kubelet");
      this.queue.enqueue(rt.key);
    }
    const exit = await container.exited;
    slot.record.state = {
      kind: "terminated",
      exitCode: exit.exitCode,
      ...(exit.signal ? { signal: exit.signal } : {}),
      reason: exit.reason,
      ...(exit.message ? { message: exit.message } : {}),
      startedAt: exit.startedAt,
      finishedAt: exit.finishedAt,
    };
    if (exit.reason === "ContainerCannotRun") api.recordEvent(pod, "Warning", "Failed", `Error: ${exit.message ?? "container cannot run"}`, "kubelet");
    log.debug({ pod: rt.key, container: def.name, exitCode: exit.exitCode }, "container exited");
    this.queue.enqueue(rt.key);
    return rt.stopping ? undefined : exit;
  }

  private imagePath(image: string): string[] {
    const base = image.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^/:]+$/, "");
    return this.opts.images[base] ?? [];
  }

  private async stopContainers(rt: PodRuntime, graceMs: number): Promise<void> {
    rt.stopping = true;
    for (const t of rt.timers) clearTimeout(t);
    rt.timers.clear();
    await Promise.all([...rt.init, ...rt.main].map((s) => (s.instance?.running || s.instance?.state === "starting" ? s.instance.stop(graceMs) : undefined)));
  }

  private async teardown(rt: PodRuntime, graceMs: number): Promise<void> {
    await this.stopContainers(rt, graceMs);
    await Promise.all([...rt.init, ...rt.main].map((s) => s.instance?.remove()));
    this.pods.delete(rt.uid);
    this.warned.delete(rt.key);
    await rm(podDir(this.ctx.dataDir, rt.uid), { recursive: true, force: true });
  }

  // --- status ---

  private writeStatus(rt: PodRuntime): void {
    const { api } = this.ctx;
    const { namespace, name } = splitKey(rt.key);
    const pod = api.tryGet(resources(api).pods, namespace, name);
    if (!pod || pod.metadata.uid !== rt.uid || pod.metadata.deletionTimestamp) return;
    const scheduled = ((pod["status"] as { conditions?: Array<{ type: string; lastTransitionTime?: string }> } | undefined)?.conditions ?? []).find((c) => c.type === "PodScheduled")?.lastTransitionTime;
    const status = podStatus(rt.record, NODE_IP, scheduled ?? pod.metadata.creationTimestamp);
    if (JSON.stringify(status) === JSON.stringify(pod["status"])) return;
    this.updateStatus(pod, status);
  }

  private updateStatus(pod: KObject, status: Record<string, unknown>): void {
    const { api } = this.ctx;
    const info = resources(api).pods;
    api.update(info, pod.metadata.namespace, pod.metadata.name ?? "", { ...pod, status, metadata: { ...pod.metadata, resourceVersion: undefined } }, { subresource: "status" });
  }

  // --- node and restart housekeeping ---

  private markNodesReady(): void {
    const { api } = this.ctx;
    const info = resources(api).nodes;
    const now = this.ctx.now().toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const name of this.opts.nodes) {
      const node = api.tryGet(info, undefined, name);
      if (!node) continue;
      const capacity = { cpu: "2", memory: "24Gi", pods: "110", "ephemeral-storage": "100Gi" };
      const status = {
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "the sandbox kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
        addresses: [
          { type: "InternalIP", address: NODE_IP },
          { type: "Hostname", address: name },
        ],
        capacity,
        allocatable: capacity,
        nodeInfo: { kubeletVersion: "v1.32.0-rafdir-sandbox", containerRuntimeVersion: "sandbox://1", operatingSystem: "linux", architecture: "amd64", osImage: "rafdir sandbox", kernelVersion: "", kubeProxyVersion: "", machineID: "", systemUUID: "", bootID: "" },
      };
      api.update(info, undefined, name, { ...node, status }, { subresource: "status" });
    }
  }

  /** After `sandbox up` on an existing state: pods that ran without restarting can't be resumed; say so. */
  private recoverAfterRestart(): void {
    const { api } = this.ctx;
    const info = resources(api).pods;
    for (const pod of api.list(info, undefined).items) {
      const spec = podSpec(pod);
      const phase = (pod["status"] as { phase?: string } | undefined)?.phase;
      if (!spec.nodeName || !this.opts.nodes.includes(spec.nodeName) || pod.metadata.deletionTimestamp) continue;
      if (spec.restartPolicy === "Never" && phase === "Running") {
        this.updateStatus(pod, { ...(pod["status"] as object), phase: "Failed", reason: "NodeRestart", message: "the sandbox stopped while this pod ran; a pod with restartPolicy Never is not started again" });
      }
    }
  }
}

function preferredNode(spec: ReturnType<typeof podSpec>, nodes: string[], preferred: string): string {
  const byName = spec.nodeSelector?.["kubernetes.io/hostname"];
  return byName && nodes.includes(byName) ? byName : preferred;
}
