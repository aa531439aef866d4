import { describe, expect, it } from "vitest";
import { parseResourcePath } from "./routes.ts";

describe("parseResourcePath", () => {
  it.each([
    ["/api/v1/pods", { group: "", version: "v1", plural: "pods" }],
    ["/api/v1/namespaces", { group: "", version: "v1", plural: "namespaces" }],
    ["/api/v1/namespaces/app", { group: "", version: "v1", plural: "namespaces", name: "app" }],
    ["/api/v1/namespaces/app/status", { group: "", version: "v1", plural: "namespaces", name: "app", subresource: "status" }],
    ["/api/v1/namespaces/app/pods", { group: "", version: "v1", plural: "pods", namespace: "app" }],
    ["/api/v1/namespaces/app/pods/web-1/exec", { group: "", version: "v1", plural: "pods", namespace: "app", name: "web-1", subresource: "exec" }],
    ["/apis/apps/v1/namespaces/app/deployments/web/scale", { group: "apps", version: "v1", plural: "deployments", namespace: "app", name: "web", subresource: "scale" }],
    ["/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/c1", { group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshotcontents", name: "c1" }],
    ["/api/v1/watch/namespaces/app/pods", { group: "", version: "v1", plural: "pods", namespace: "app", watchPrefix: true }],
  ])("given %s, returns the addressed resource", (path, expected) => {
    expect(parseResourcePath(path)).toMatchObject({ watchPrefix: false, ...expected });
  });

  it.each(["/", "/api", "/api/v1", "/apis/apps", "/apis/apps/v1", "/healthz", "/api/v1/namespaces/a/pods/b/exec/extra"])(
    "given %s, returns undefined",
    (path) => {
      expect(parseResourcePath(path)).toBeUndefined();
    },
  );
});
