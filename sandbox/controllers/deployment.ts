// Deployment controller: one ReplicaSet per pod template (`<deploy>-<pod-template-hash>`), rolled by the
// RollingUpdate or Recreate strategy, old ReplicaSets pruned to revisionHistoryLimit, status from the ReplicaSets.
import { deepCopy } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { objectKey, onResources, resources, splitKey, type ControllerContext } from "./framework.ts";
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  REVISION,
  deploymentStatus,
  planDeploymentScale,
  replicaSetsToPrune,
  revisionOf,
  rolloutLimits,
  type DeploymentStrategy,
  type RsState,
} from "./deployment-plan.ts";
import { QueuedController } from "./queued-controller.ts";
import {
  POD_TEMPLATE_HASH,
  claimObjects,
  controllerRef,
  controllerRefTo,
  dict,
  isAlreadyExists,
  isDeleting,
  isNotFoundError,
  num,
  sameTemplate,
  selectorMatches,
  templateHash,
  timestamp,
  writeStatus,
  type PodTemplate,
} from "./workload-util.ts";

interface DeploymentSpec {
  replicas?: number;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  strategy?: DeploymentStrategy;
  template?: PodTemplate;
}

function rsState(rs: KObject): RsState {
  const status = dict(rs["status"]);
  return {
    name: rs.metadata.name ?? "",
    replicas: num(dict(rs["spec"])["replicas"], 0),
    current: num(status["replicas"], 0),
    available: num(status["availableReplicas"], 0),
  };
}

/** The ReplicaSet a Deployment creates for its current template (hash label on selector, template and labels). */
export function replicaSetFor(dep: KObject, hash: string, replicas: number, revision: number, maxReplicas: number): KObject {
  const spec = dict(dep["spec"]) as DeploymentSpec;
  const template = deepCopy(spec.template ?? {});
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  const selector = deepCopy(spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${dep.metadata.name ?? ""}-${hash}`,
      namespace: dep.metadata.namespace,
      labels: { ...labels },
      annotations: { [REVISION]: String(revision), [DESIRED_REPLICAS]: String(num(spec.replicas, 1)), [MAX_REPLICAS]: String(maxReplicas) },
      ownerReferences: [controllerRefTo(dep)],
    },
    spec: { replicas, minReadySeconds: num(spec.minReadySeconds, 0), selector, template },
  };
}

export class DeploymentController extends QueuedController {
  private readonly r: ReturnType<typeof resources>;

  constructor(ctx: ControllerContext) {
    super("deployment-controller", ctx, 5000);
    this.r = resources(ctx.api);
  }

  protected subscribe(): Array<() => void> {
    return [
      onResources(this.api, ["apps/deployments", "apps/replicasets"], (e) => {
        if (e.resource === "apps/deployments") {
          if (e.type !== "DELETED") this.queue.enqueue(objectKey(e.object));
          return;
        }
        const ns = e.object.metadata.namespace ?? "";
        const ref = controllerRef(e.object) ?? (e.old ? controllerRef(e.old) : undefined);
        if (ref?.kind === "Deployment") this.queue.enqueue(`${ns}/${ref.name}`);
        else if (!ref && e.type !== "DELETED") {
          for (const dep of this.api.list(this.r.deployments, ns).items) {
            if (selectorMatches(dict(dep["spec"])["selector"] as DeploymentSpec["selector"], e.object.metadata.labels)) this.queue.enqueue(objectKey(dep));
          }
        }
      }),
    ];
  }

  protected resync(): void {
    for (const dep of this.api.list(this.r.deployments, undefined).items) this.queue.enqueue(objectKey(dep));
  }

  protected reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    let dep = this.api.tryGet(this.r.deployments, namespace, name);
    if (!dep) return; // the garbage collector removes its ReplicaSets
    const spec = dict(dep["spec"]) as DeploymentSpec;
    const claim = (owner: KObject) =>
      claimObjects(this.api, this.r.replicasets, owner, this.api.list(this.r.replicasets, namespace).items, (rs) =>
        selectorMatches(spec.selector, rs.metadata.labels),
      );
    let all = claim(dep);
    if (isDeleting(dep)) return;
    const replicas = num(spec.replicas, 1);
    const limits = rolloutLimits(spec.strategy, replicas);
    const collisionCount = num(dict(dep["status"])["collisionCount"], 0);
    const hash = templateHash(spec.template, collisionCount);
    let newRs = all.find((rs) => rs.metadata.name === `${name}-${hash}` && sameTemplate(dict(rs["spec"])["template"], spec.template));
    newRs ??= all.find((rs) => !isDeleting(rs) && sameTemplate(dict(rs["spec"])["template"], spec.template));
    let created = false;
    if (!spec.paused) {
      const olds = all.filter((rs) => rs !== newRs).sort((a, b) => revisionOf(a) - revisionOf(b));
      const plan = planDeploymentScale({
        replicas,
        recreate: spec.strategy?.type === "Recreate",
        ...limits,
        newRs: newRs ? rsState(newRs) : { name: `${name}-${hash}`, replicas: 0, current: 0, available: 0 },
        oldRss: olds.map(rsState),
      });
      const maxOld = Math.max(0, ...olds.map(revisionOf));
      const revision = newRs && revisionOf(newRs) > maxOld ? revisionOf(newRs) : maxOld + 1;
      const target = plan.get(newRs?.metadata.name ?? `${name}-${hash}`) ?? 0;
      const annotations = { [REVISION]: String(revision), [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + limits.maxSurge) };
      if (newRs) this.scale(dep, newRs, target, annotations);
      else {
        const made = this.createReplicaSet(dep, replicaSetFor(dep, hash, target, revision, replicas + limits.maxSurge));
        if (!made) return; // hash collision: collisionCount was bumped, the status write requeues us
        newRs = made;
        created = true;
      }
      for (const rs of olds) this.scale(dep, rs, plan.get(rs.metadata.name ?? "") ?? 0, {});
      for (const rsName of replicaSetsToPrune(olds, num(spec.revisionHistoryLimit, 10))) this.deleteReplicaSet(rsName, namespace);
      dep = this.setRevision(dep, String(revision));
      all = claim(dep);
      newRs = all.find((rs) => rs.metadata.name === newRs?.metadata.name);
    }
    const status = deploymentStatus({ deployment: dep, newRs, all, now: timestamp(this.ctx.now()), maxUnavailable: limits.maxUnavailable, created });
    writeStatus(this.api, this.r.deployments, dep, status);
  }

  private createReplicaSet(dep: KObject, rs: KObject): KObject | undefined {
    try {
      const made = this.api.create(this.r.replicasets, dep.metadata.namespace, rs).object;
      const replicas = num(dict(made["spec"])["replicas"], 0);
      this.api.recordEvent(dep, "Normal", "ScalingReplicaSet", `Scaled up replica set ${made.metadata.name ?? ""} from 0 to ${replicas}`, this.name);
      return made;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // A ReplicaSet of that name exists but is not this template's (or not ours): rehash with a new collision count.
      const status = dict(dep["status"]);
      writeStatus(this.api, this.r.deployments, dep, { ...status, collisionCount: num(status["collisionCount"], 0) + 1 });
      return undefined;
    }
  }

  private scale(dep: KObject, rs: KObject, replicas: number, annotations: Record<string, string>): void {
    const from = num(dict(rs["spec"])["replicas"], 0);
    const current = rs.metadata.annotations ?? {};
    const annotationsChanged = Object.entries(annotations).some(([k, v]) => current[k] !== v);
    if (from === replicas && !annotationsChanged) return;
    const next = deepCopy(rs);
    next["spec"] = { ...dict(rs["spec"]), replicas };
    next.metadata.annotations = { ...current, ...annotations };
    try {
      this.api.update(this.r.replicasets, rs.metadata.namespace, rs.metadata.name ?? "", next);
    } catch (err) {
      if (isNotFoundError(err)) return;
      throw err;
    }
    if (from !== replicas) {
      const verb = replicas > from ? "up" : "down";
      this.api.recordEvent(dep, "Normal", "ScalingReplicaSet", `Scaled ${verb} replica set ${rs.metadata.name ?? ""} from ${from} to ${replicas}`, this.name);
    }
  }

  private deleteReplicaSet(name: string, namespace: string | undefined): void {
    try {
      this.api.delete(this.r.replicasets, namespace, name, { propagationPolicy: "Background" });
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
  }

  /** Mirrors the new ReplicaSet's revision on the Deployment (what `kubectl rollout history` reads). */
  private setRevision(dep: KObject, revision: string): KObject {
    if (dep.metadata.annotations?.[REVISION] === revision) return dep;
    const next = deepCopy(dep);
    next.metadata.annotations = { ...(dep.metadata.annotations ?? {}), [REVISION]: revision };
    return this.api.update(this.r.deployments, dep.metadata.namespace, dep.metadata.name ?? "", next).object;
  }
}
