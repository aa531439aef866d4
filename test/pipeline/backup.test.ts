// Acceptance (issue 4): real backups through the broker and the five functions, proven by restoring them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPipeline, type Pipeline } from "./harness.ts";

const SHOP = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shop-data, namespace: shop}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /srv/orders /srv/uploads && [ -f /srv/orders/o1 ] || (head -c 400000 /dev/urandom > /srv/orders/o1; echo hello > /srv/uploads/u1); exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /srv/orders, subPath: orders}
        - {name: data, mountPath: /srv/uploads, subPath: uploads}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: shop-data}}
`;

describe("backup pipeline on the sandbox", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it("backs up a stopped deployment's two subPath folders; restore matches; app back at its replica; nothing left", async () => {
    await p.apply(SHOP);
    await p.sb.kubectl(["-n", "shop", "rollout", "status", "deploy/web", "--timeout=60s"]);
    const orders = await p.podChecksums("shop", "app=web", "/srv/orders");
    const uploads = await p.podChecksums("shop", "app=web", "/srv/uploads");
    await p.setProfiles({ shop: { namespace: "shop", deployment: "web", folders: ["/srv/orders", "/srv/uploads"], stop: true, host: "shop.example" } });

    const since = new Date();
    await p.request({ profiles: ["shop"], force: true });
    const run = await p.finished("shop", since);
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");

    expect(await p.restoredChecksums("shop.example", "shop", "/srv/orders")).toBe(orders);
    expect(await p.restoredChecksums("shop.example", "shop", "/srv/uploads")).toBe(uploads);
    const snaps = JSON.parse(await p.restic(["snapshots", "--json", "--host", "shop.example"])) as Array<{ hostname: string; tags: string[]; paths: string[] }>;
    expect(snaps.at(-1)).toMatchObject({ hostname: "shop.example", tags: ["shop"], paths: ["/srv/orders", "/srv/uploads"] });

    const replicas = await p.kube.getScale("Deployment", "shop", "web");
    expect(replicas).toBe(1);
    expect(await p.leftovers()).toEqual([]);
    const types = p.events().filter((e) => e.rafdirrun === run.metadata.name).map((e) => e.type);
    expect(types).toContain("io.rafdir.backup.succeeded");
  });

  it("a second backup of unchanged data adds (almost) nothing to the repository", async () => {
    const since = new Date();
    await p.request({ profiles: ["shop"], force: true });
    const run = await p.finished("shop", since);
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    const snaps = JSON.parse(await p.restic(["snapshots", "--json", "--host", "shop.example"])) as Array<{ summary?: { data_added?: number } }>;
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    expect(snaps.at(-1)?.summary?.data_added ?? 0).toBeLessThan(50_000);
  });

  it("a profile whose target has no pod fails with a clear reason, and leaves nothing behind", async () => {
    await p.setProfiles({
      shop: { namespace: "shop", deployment: "web", folders: ["/srv/orders", "/srv/uploads"], stop: true, host: "shop.example" },
      ghost: { namespace: "shop", selector: "app=nothing-here", folders: ["/data"] },
    });
    const since = new Date();
    await p.request({ profiles: ["ghost"], force: true });
    const run = await p.finished("ghost", since);
    expect(run.status.phase).toBe("Failed");
    expect(run.status.error?.message).toMatch(/app=nothing-here/);
    expect(await p.leftovers()).toEqual([]);
    expect(p.events().some((e) => e.rafdirrun === run.metadata.name && e.type === "io.rafdir.backup.failed")).toBe(true);
  });
});
