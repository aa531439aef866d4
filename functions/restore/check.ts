// Whether a restore request can start, pure: the profile and repository are configured, the target namespace exists,
// the target PVC is new (or, explicitly, existing and not in use), and there is a storage class for the staging
// volume. Every refusal names the profile, the field and the value, and says what to do.
import type { RestoreSpec } from "../../shared/runs/restore-run.ts";
import type { Failure, PvcLike } from "./decide.ts";

export interface StorageClassFact {
  name: string;
  isDefault: boolean;
}

export interface RequestFacts {
  spec: RestoreSpec;
  /** The profile, when it is configured and valid. */
  profile?: { name: string; host: string; repositories: string[]; restoreNamespaces: string[] };
  /** Validation messages of the profile when it is configured but invalid. */
  profileProblems: string[];
  /** Every configured repository, in configuration order. */
  repositories: string[];
  namespaceExists: boolean;
  /** The target namespace's Pod Security Admission level (label pod-security.kubernetes.io/enforce), if any. */
  podSecurity?: string;
  targetPvc?: PvcLike;
  /** Pods (namespace/name) that are not finished and mount the target PVC. */
  targetUsers: string[];
  storageClasses: StorageClassFact[];
  /** Other RestoreRuns, not final, into the same PVC. */
  busyWith: string[];
}

export interface Accepted {
  repository: string;
  /** The staging volume's StorageClass, so also the restored PVC's. */
  storageClass: string;
  host: string;
}

export function checkRequest(f: RequestFacts): Accepted | Failure {
  const { spec } = f;
  const p = `profile "${spec.profile}"`;
  const target = `${spec.target.namespace}/${spec.target.pvc}`;
  if (!f.profile) {
    if (f.profileProblems.length) return { reason: "ProfileInvalid", message: f.profileProblems.join("; ") };
    return { reason: "ProfileNotFound", message: `${p} is not configured in rafdir-config; nothing was restored` };
  }
  const repository = spec.repository ?? f.profile.repositories[0] ?? f.repositories[0];
  if (repository === undefined || !f.repositories.includes(repository)) {
    return {
      reason: "RepositoryNotFound",
      message: `${p}: repository ${JSON.stringify(repository ?? "")} is not configured (repositories: ${f.repositories.join(", ") || "none"})`,
    };
  }
  const allowed = f.profile.restoreNamespaces;
  if (!allowed.includes("*") && !allowed.includes(spec.target.namespace)) {
    return {
      reason: "NamespaceNotAllowed",
      message: `${p}: target.namespace "${spec.target.namespace}" is not one its snapshots may be restored into (restore-namespaces: ${allowed.join(", ") || "none"}); add it to the profile's restore-namespaces`,
    };
  }
  if (f.busyWith.length) return { reason: "TargetBusy", message: `${p}: RestoreRun ${f.busyWith.join(", ")} is already restoring into PVC ${target}; wait for it to end` };
  if (!f.namespaceExists) return { reason: "NamespaceNotFound", message: `${p}: target.namespace "${spec.target.namespace}" does not exist; create it first` };
  if (spec.target.existing) {
    if (!f.targetPvc) return { reason: "TargetNotFound", message: `${p}: target PVC ${target} does not exist, but target.existing is set; leave it unset to create the PVC` };
    if (f.podSecurity === "restricted") {
      return {
        reason: "PodSecurityRestricted",
        message: `${p}: namespace "${spec.target.namespace}" enforces the restricted Pod Security Standard, which refuses the copy pod (it runs as root to keep the files' owners) that replaces PVC ${target}'s contents; restore into a new PVC instead, or label the namespace pod-security.kubernetes.io/enforce=baseline for the restore`,
      };
    }
    if (f.targetPvc.status?.phase !== "Bound") return { reason: "TargetNotBound", message: `${p}: target PVC ${target} is ${f.targetPvc.status?.phase ?? "Pending"}, not Bound` };
    if (f.targetUsers.length && !spec.force) {
      return {
        reason: "TargetInUse",
        message: `${p}: target PVC ${target} is in use by pod ${f.targetUsers.join(", ")}; stop the application first (or set force to replace the files under it)`,
      };
    }
  } else if (f.targetPvc) {
    return { reason: "TargetExists", message: `${p}: target PVC ${target} already exists; choose a new name, or set target.existing to replace its contents` };
  }
  const requested = spec.target.storageClass;
  if (requested !== undefined) {
    if (!f.storageClasses.some((c) => c.name === requested)) return { reason: "StorageClassNotFound", message: `${p}: target.storageClass "${requested}" does not exist` };
    return { repository, storageClass: requested, host: f.profile.host };
  }
  // An existing target's class, when it has one that still exists (a static PV has none: the default serves).
  const existingClass = spec.target.existing ? f.targetPvc?.spec?.storageClassName : undefined;
  if (existingClass && f.storageClasses.some((c) => c.name === existingClass)) return { repository, storageClass: existingClass, host: f.profile.host };
  const defaults = f.storageClasses.filter((c) => c.isDefault);
  const chosen = defaults[0];
  if (!chosen) return { reason: "NoStorageClass", message: `${p}: no default StorageClass; set target.storageClass` };
  return { repository, storageClass: chosen.name, host: f.profile.host };
}
