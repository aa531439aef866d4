import { describe, expect, it } from "vitest";
import type { RestoreSpec } from "../../shared/runs/restore-run.ts";
import { checkRequest, type RequestFacts } from "./check.ts";

const facts = (over: Partial<RequestFacts> = {}, target: Partial<RestoreSpec["target"]> = {}, extra: Partial<RestoreSpec> = {}): RequestFacts => ({
  spec: { profile: "shop", trigger: "manual", ...extra, target: { namespace: "shop", pvc: "restored", ...target } },
  profile: { name: "shop", host: "shop.example", repositories: ["local", "offsite"], restoreNamespaces: ["shop"] },
  profileProblems: [],
  repositories: ["local", "offsite"],
  namespaceExists: true,
  targetUsers: [],
  storageClasses: [
    { name: "standard", isDefault: true },
    { name: "fast", isDefault: false },
  ],
  busyWith: [],
  ...over,
});
const bound = { metadata: { name: "restored" }, spec: { storageClassName: "fast" }, status: { phase: "Bound" } };

describe("checkRequest", () => {
  it.each<[string, RequestFacts, string]>([
    ["a new PVC, default class, first repository", facts(), "local/standard"],
    ["a named repository and class", facts({}, { storageClass: "fast" }, { repository: "offsite" }), "offsite/fast"],
    ["an existing PVC takes its class", facts({ targetPvc: bound }, { existing: true }), "local/fast"],
    ["an existing PVC in use, forced", facts({ targetPvc: bound, targetUsers: ["shop/web-1"] }, { existing: true }, { force: true }), "local/fast"],
    ["unknown profile", facts({ profile: undefined }), "ProfileNotFound"],
    ["invalid profile", facts({ profile: undefined, profileProblems: ['profile "shop": field "folders[0]": bad'] }), "ProfileInvalid"],
    ["unknown repository", facts({}, {}, { repository: "nope" }), "RepositoryNotFound"],
    ["missing namespace", facts({ namespaceExists: false }), "NamespaceNotFound"],
    ["PVC exists, not asked to replace", facts({ targetPvc: bound }), "TargetExists"],
    ["existing asked, PVC missing", facts({}, { existing: true }), "TargetNotFound"],
    ["existing PVC in use", facts({ targetPvc: bound, targetUsers: ["shop/web-1"] }, { existing: true }), "TargetInUse"],
    ["existing PVC pending", facts({ targetPvc: { ...bound, status: { phase: "Pending" } } }, { existing: true }), "TargetNotBound"],
    ["existing PVC in a restricted namespace", facts({ targetPvc: bound, podSecurity: "restricted" }, { existing: true }), "PodSecurityRestricted"],
    ["existing PVC in a baseline namespace", facts({ targetPvc: bound, podSecurity: "baseline" }, { existing: true }), "local/fast"],
    ["a new PVC in a restricted namespace (no pod runs there)", facts({ podSecurity: "restricted" }), "local/standard"],
    ["unknown storage class", facts({}, { storageClass: "gold" }), "StorageClassNotFound"],
    ["no default storage class", facts({ storageClasses: [{ name: "fast", isDefault: false }] }), "NoStorageClass"],
    ["another restore into the PVC", facts({ busyWith: ["shop-r20261126000000"] }), "TargetBusy"],
    ["a namespace the profile does not allow", facts({}, { namespace: "dr" }), "NamespaceNotAllowed"],
    ["any namespace, when allowed", facts({ profile: { name: "shop", host: "h", repositories: ["local"], restoreNamespaces: ["*"] } }, { namespace: "dr" }), "local/standard"],
    ["a listed namespace", facts({ profile: { name: "shop", host: "h", repositories: ["local"], restoreNamespaces: ["shop", "dr"] } }, { namespace: "dr" }), "local/standard"],
  ])("%s", (_name, f, want) => {
    const r = checkRequest(f);
    expect("reason" in r ? r.reason : `${r.repository}/${r.storageClass}`).toBe(want);
  });

  it("names the profile, the field and the value", () => {
    const r = checkRequest(facts({ namespaceExists: false, profile: { name: "shop", host: "h", repositories: ["local"], restoreNamespaces: ["*"] } }, { namespace: "nowhere" }));
    expect("reason" in r && r.message).toBe('profile "shop": target.namespace "nowhere" does not exist; create it first');
  });
});
