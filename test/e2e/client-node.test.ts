// Acceptance: @kubernetes/client-node (the client rafdir's functions use) against the sandbox.
import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const SNAP = { group: "snapshot.storage.k8s.io", version: "v1" };
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function apiError(e: unknown): { code: number; body: Record<string, unknown> } {
  if (!(e instanceof ApiException)) throw e;
  const body = typeof e.body === "string" ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>);
  return { code: e.code, body };
}

async function expectApiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return apiError(e);
  }
  throw new Error("expected the API call to fail");
}

describe("@kubernetes/client-node against the sandbox", () => {
  let sb: TestSandbox;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  beforeAll(async () => {
    sb = await testSandbox();
    core = sb.kc.makeApiClient(CoreV1Api);
    custom = sb.kc.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: "crud" } } });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("creates, reads, lists by label, updates, patches and deletes", async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: "crud",
      body: { metadata: { name: "settings", labels: { tier: "db" } }, data: { mode: "fast" } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    await core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { generateName: "other-", labels: { tier: "web" } } } });

    const read = await core.readNamespacedConfigMap({ namespace: "crud", name: "settings" });
    expect(read.data).toEqual({ mode: "fast" });
    const byLabel = await core.listNamespacedConfigMap({ namespace: "crud", labelSelector: "tier in (db,cache)" });
    expect(byLabel.items.map((c) => c.metadata?.name)).toEqual(["settings"]);
    const notDb = await core.listNamespacedConfigMap({ namespace: "crud", labelSelector: "tier!=db" });
    expect(notDb.items[0]?.metadata?.name).toMatch(/^other-[a-z0-9]{5}$/);
    const byName = await core.listNamespacedConfigMap({ namespace: "crud", fieldSelector: "metadata.name=settings" });
    expect(byName.items).toHaveLength(1);

    const updated = await core.replaceNamespacedConfigMap({ namespace: "crud", name: "settings", body: { ...read, data: { mode: "safe" } } });
    expect(updated.data).toEqual({ mode: "safe" });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));

    const deleted = await core.deleteNamespacedConfigMap({ namespace: "crud", name: "settings" });
    expect(deleted).toBeDefined();
    const gone = await expectApiError(core.readNamespacedConfigMap({ namespace: "crud", name: "settings" }));
    expect(gone.code).toBe(404);
    expect(gone.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });

  it("answers 409 Conflict to an update carrying a stale resourceVersion, and AlreadyExists to a duplicate create", async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { name: "counter" }, data: { n: "1" } } });
    await core.replaceNamespacedConfigMap({ namespace: "crud", name: "counter", body: { ...cm, data: { n: "2" } } });
    const stale = await expectApiError(core.replaceNamespacedConfigMap({ namespace: "crud", name: "counter", body: { ...cm, data: { n: "3" } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ reason: "Conflict" });
    expect(String(stale.body["message"])).toContain("the object has been modified");
    const current = await core.readNamespacedConfigMap({ namespace: "crud", name: "counter" });
    expect(current.data).toEqual({ n: "2" });
    const dup = await expectApiError(core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { name: "counter" } } }));
    expect(dup).toMatchObject({ code: 409, body: { reason: "AlreadyExists" } });
  });

  it("delivers watch events in order: ADDED, MODIFIED, DELETED", async () => {
    const events: string[] = [];
    const list = await core.listNamespacedConfigMap({ namespace: "crud" });
    const watch = new Watch(sb.kc);
    const req = await watch.watch(
      "/api/v1/namespaces/crud/configmaps",
      { resourceVersion: list.metadata?.resourceVersion },
      (type: string, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name ?? ""} ${obj.data?.["v"] ?? "-"}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { name: "w" }, data: { v: "1" } } });
      for (const v of ["2", "3"]) {
        await core.patchNamespacedConfigMap({ namespace: "crud", name: "w", body: { data: { v } } }, MERGE);
      }
      await core.deleteNamespacedConfigMap({ namespace: "crud", name: "w" });
      await waitFor("four events", () => events.length >= 4 || undefined, 10_000);
      expect(events).toEqual(["ADDED w 1", "MODIFIED w 2", "MODIFIED w 3", "DELETED w 3"]);
    } finally {
      req.abort();
    }
  });

  it("answers 422 with causes when a VolumeSnapshot sets both sources, and stores nothing", async () => {
    const invalid = await expectApiError(
      custom.createNamespacedCustomObject({
        ...SNAP,
        namespace: "crud",
        plural: "volumesnapshots",
        body: {
          apiVersion: "snapshot.storage.k8s.io/v1",
          kind: "VolumeSnapshot",
          metadata: { name: "both" },
          spec: { source: { persistentVolumeClaimName: "data", volumeSnapshotContentName: "content-1" } },
        },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body).toMatchObject({ kind: "Status", reason: "Invalid", details: { name: "both", kind: "VolumeSnapshot" } });
    const causes = (invalid.body["details"] as { causes: Array<{ field: string; message: string }> }).causes;
    expect(causes.some((c) => c.field === "spec.source" && /exactly one of volumeSnapshotContentName and persistentVolumeClaimName/.test(c.message))).toBe(true);
    const list = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: "crud", plural: "volumesnapshots" })) as { items: unknown[] };
    expect(list.items).toHaveLength(0);
  });

  it("keeps spec and status apart: the status subresource changes only status, an update never changes status", async () => {
    const body = {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: "iso-content" },
      spec: {
        deletionPolicy: "Retain",
        driver: "example.csi.io", // not the sandbox driver: no controller touches it
        source: { snapshotHandle: "handle-1" },
        volumeSnapshotRef: { name: "x", namespace: "crud" },
      },
    };
    const created = (await custom.createClusterCustomObject({ ...SNAP, plural: "volumesnapshotcontents", body })) as typeof body & { metadata: { resourceVersion: string } };
    const withStatus = (await custom.replaceClusterCustomObjectStatus({
      ...SNAP,
      plural: "volumesnapshotcontents",
      name: "iso-content",
      body: { ...created, spec: { ...created.spec, deletionPolicy: "Delete" }, status: { readyToUse: true, restoreSize: 1024 } },
    })) as { spec: { deletionPolicy: string }; status: { readyToUse: boolean } };
    expect(withStatus.status.readyToUse).toBe(true);
    expect(withStatus.spec.deletionPolicy).toBe("Retain"); // the spec change sent to /status was ignored
    const afterSpec = (await custom.patchClusterCustomObject({
      ...SNAP,
      plural: "volumesnapshotcontents",
      name: "iso-content",
      body: { spec: { deletionPolicy: "Delete" }, status: { readyToUse: false } },
    }, MERGE)) as { spec: { deletionPolicy: string }; status: { readyToUse: boolean }; metadata: { generation: number } };
    expect(afterSpec.spec.deletionPolicy).toBe("Delete");
    expect(afterSpec.status.readyToUse).toBe(true); // the status change sent to the main resource was ignored
    expect(afterSpec.metadata.generation).toBe(2);
  });

  it("delays deletion while finalizers remain, then removes the object when the last one goes", async () => {
    await core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { name: "held", finalizers: ["example.com/hold"] } } });
    await core.deleteNamespacedConfigMap({ namespace: "crud", name: "held" });
    const marked = await core.readNamespacedConfigMap({ namespace: "crud", name: "held" });
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const noNew = await expectApiError(
      core.patchNamespacedConfigMap({ namespace: "crud", name: "held", body: { metadata: { finalizers: ["example.com/hold", "example.com/more"] } } }, MERGE),
    );
    expect(noNew.code).toBe(422);
    await core.patchNamespacedConfigMap({ namespace: "crud", name: "held", body: { metadata: { finalizers: null } } }, MERGE);
    const gone = await expectApiError(core.readNamespacedConfigMap({ namespace: "crud", name: "held" }));
    expect(gone.code).toBe(404);
  });

  it("cascades deletion to objects owned by the deleted one (background)", async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: "crud", body: { metadata: { name: "owner" } } });
    await core.createNamespacedSecret({
      namespace: "crud",
      body: {
        metadata: { name: "owned", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid ?? "" }] },
        stringData: { k: "v" },
      },
    });
    const secret = await core.readNamespacedSecret({ namespace: "crud", name: "owned" });
    expect(Buffer.from(secret.data?.["k"] ?? "", "base64").toString()).toBe("v");
    await core.deleteNamespacedConfigMap({ namespace: "crud", name: "owner" });
    await waitFor("the owned secret to go", async () => {
      try {
        await core.readNamespacedSecret({ namespace: "crud", name: "owned" });
        return false;
      } catch (e) {
        return apiError(e).code === 404;
      }
    });
  });
});
