import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../shared/profiles/index.ts";
import type { RestoreSpec } from "../../shared/runs/restore-run.ts";
import { copyPod, inspectPod, movedClaim, restorePod, stagingPvc } from "./objects.ts";

const id = { run: "notes-r20261126100000", profile: "notes", namespace: "backup" };
const spec: RestoreSpec = { profile: "notes", trigger: "manual", target: { namespace: "dr", pvc: "data", existing: true } };
const settings = DEFAULT_SETTINGS.backupPod;
const json = (o: unknown): string => JSON.stringify(o);

describe("restore objects", () => {
  it.each([
    ["inspect", inspectPod(id, settings, 60_000)],
    ["restore", restorePod(id, settings, 60_000)],
  ])("the %s pod runs in the backup namespace with the repository secret and no API token", (_name, pod) => {
    expect(pod.metadata.namespace).toBe("backup");
    expect(json(pod)).toContain(`"secretKeyRef":{"name":"${settings.passwordSecret.name}"`);
    expect(pod["spec"]).toMatchObject({ automountServiceAccountToken: false, restartPolicy: "Never" });
  });

  it("the copy pod runs in the target namespace without any secret or token, the source read-only", () => {
    const pod = copyPod(id, spec, settings.image, 60_000);
    expect(pod.metadata.namespace).toBe("dr");
    expect(json(pod)).not.toMatch(/secret|RESTIC_PASSWORD|envFrom/i);
    expect(pod["spec"]).toMatchObject({
      automountServiceAccountToken: false,
      volumes: [
        { name: "from", persistentVolumeClaim: { claimName: `rafdir-${id.run}`, readOnly: true } },
        { name: "to", persistentVolumeClaim: { claimName: "data" } },
      ],
    });
  });

  it("pins the restore pod to an existing target's volume topology", () => {
    const required = { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-a"] }] }] };
    expect(restorePod(id, settings, 60_000, required)["spec"]).toMatchObject({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } });
    expect(restorePod(id, settings, 60_000)["spec"]).not.toHaveProperty("affinity");
  });

  it("the staging PVC and the moved claim carry the run's labels; the moved claim is pre-bound to the volume", () => {
    expect(stagingPvc(id, "standard", "2Gi").metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": id.run });
    const claim = movedClaim(id, { namespace: "dr", name: "data2", volume: "pv-1", storageClass: "standard", size: "2Gi", restoredFrom: "x" });
    expect(claim["spec"]).toMatchObject({ volumeName: "pv-1", storageClassName: "standard", resources: { requests: { storage: "2Gi" } } });
    expect(claim.metadata.annotations).toEqual({ "rafdir.io/restored-from": "x" });
  });
});
