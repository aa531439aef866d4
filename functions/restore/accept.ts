// Accepting a restore (docs/adr/0004): the request is checked against the configuration and the cluster
// (check.ts) before anything is created; the verdict lands on the RestoreRun — the repository, the staging class and
// the profile's host, which every later step reads — or the run fails with what to do. The reconcile loop calls it
// for any run still Pending without a verdict, so a request whose handler died half-way is checked all the same.
import type { Obj } from "../../shared/kube/port.ts";
import type { RafdirConfig } from "../../shared/profiles/index.ts";
import { isRestoreFinal, parseRestoreStatus, type RestoreRun, type RestoreSpec } from "../../shared/runs/restore-run.ts";
import { ConfigMissingError, recordRunEvent, type FunctionDeps } from "../common/index.ts";
import { checkRequest, type RequestFacts } from "./check.ts";
import { phaseDeadline, type Failure } from "./decide.ts";
import { claimUsers } from "./in-use.ts";
import { pvcRef, type PvcObj } from "./refs.ts";
import { listRestores, patchRestore } from "./runs.ts";

/** The current rafdir-config, or the Failure a restore ends with when there is none. */
export async function restoreConfig(deps: FunctionDeps): Promise<RafdirConfig | Failure> {
  try {
    return await deps.loadConfig();
  } catch (err) {
    if (err instanceof ConfigMissingError) return { reason: "ConfigMissing", message: err.message };
    throw err;
  }
}

/** Records the verdict on a Pending run; a Failure when the request cannot be done (the caller fails the run). */
export async function acceptRestore(deps: FunctionDeps, run: RestoreRun): Promise<Failure | undefined> {
  const { spec } = run;
  const config = await restoreConfig(deps);
  if ("reason" in config) return config;
  const verdict = checkRequest(await requestFacts(deps, config, spec, run));
  if ("reason" in verdict) return verdict;
  const now = deps.now();
  const deadline = phaseDeadline("Pending", now, config.settings.timeouts);
  const target = `${spec.target.namespace}/${spec.target.pvc}`;
  const accepted = await patchRestore(deps, run, {
    phase: "Pending",
    startedAt: now.toISOString(),
    repository: verdict.repository,
    storageClass: verdict.storageClass,
    host: verdict.host,
    ...(deadline ? { deadline } : {}),
    message: `accepted: ${spec.snapshot ? `snapshot ${spec.snapshot}` : "the latest snapshot"} of profile "${spec.profile}" from ${verdict.repository} into PVC ${target}${spec.target.existing ? " (existing)" : ""}`,
  });
  await recordRunEvent(deps, accepted, "Normal", "Accepted", `restore into PVC ${target} from repository ${verdict.repository}`);
  deps.log.info({ target, repository: verdict.repository, storageClass: verdict.storageClass, snapshot: spec.snapshot ?? "latest" }, "restore accepted");
  return undefined;
}

const PSA_ENFORCE = "pod-security.kubernetes.io/enforce";

/** What checkRequest needs, read from the configuration and the cluster. */
async function requestFacts(deps: FunctionDeps, config: RafdirConfig, spec: RestoreSpec, self: RestoreRun): Promise<RequestFacts> {
  const { target } = spec;
  const profile = config.profiles.find((p) => p.name === spec.profile);
  const profileProblems = config.invalid.filter((i) => i.profile === spec.profile).map((i) => i.message);
  const [namespace, targetPvc, targetUsers, classes, restores] = await Promise.all([
    deps.kube.get({ apiVersion: "v1", kind: "Namespace", name: target.namespace }),
    deps.kube.get<PvcObj>(pvcRef(target.namespace, target.pvc)),
    claimUsers(deps, target.namespace, target.pvc),
    deps.kube.list<Obj>("storage.k8s.io/v1", "StorageClass"),
    listRestores(deps),
  ]);
  const busy = restores.filter((r) => {
    if (r.metadata.name === self.metadata.name || r.spec.target.namespace !== target.namespace || r.spec.target.pvc !== target.pvc) return false;
    const status = parseRestoreStatus(r);
    if (!status || isRestoreFinal(status.phase)) return false;
    // Two requests racing for one PVC: one already accepted wins, else the earlier one; never both.
    return status.storageClass !== undefined || isEarlier(r, self);
  });
  return {
    spec,
    ...(profile ? { profile: { name: profile.name, host: profile.host, repositories: profile.repositories, restoreNamespaces: profile.restoreNamespaces } } : {}),
    profileProblems,
    repositories: Object.keys(config.repositories),
    namespaceExists: namespace !== undefined,
    ...(namespace?.metadata.labels?.[PSA_ENFORCE] ? { podSecurity: namespace.metadata.labels[PSA_ENFORCE] } : {}),
    ...(targetPvc ? { targetPvc } : {}),
    targetUsers,
    storageClasses: classes.map((c) => ({ name: c.metadata.name, isDefault: c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" })),
    busyWith: busy.map((r) => r.metadata.name),
  };
}

/** Whether run `a` was requested before `b` (creation time, then name). */
function isEarlier(a: RestoreRun, b: RestoreRun): boolean {
  const at = (r: RestoreRun): number => Date.parse(r.metadata.creationTimestamp ?? "") || 0;
  return at(a) !== at(b) ? at(a) < at(b) : a.metadata.name < b.metadata.name;
}
