// Acceptance: the real kubectl drives the sandbox like a user would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const APP = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: shop
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo started web; echo order-1 > /var/lib/shop/orders.txt; exec sleep infinity"]
        volumeMounts:
        - name: data
          mountPath: /var/lib/shop
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: data
`;

describe("kubectl against the sandbox", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("applies a namespace, a PVC and a Deployment whose pod becomes Running", async () => {
    const applied = await sb.kubectl(["apply", "-f", "-"], APP);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain("namespace/shop created");
    expect(applied.stdout).toContain("persistentvolumeclaim/data created");
    expect(applied.stdout).toContain("deployment.apps/web created");
    const rollout = await sb.kubectl(["-n", "shop", "rollout", "status", "deployment/web", "--timeout=30s"]);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    const pods = await sb.kubectl(["-n", "shop", "get", "pods", "-l", "app=web"]);
    expect(pods.stdout).toMatch(/web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0/);
    const pvc = await sb.kubectl(["-n", "shop", "get", "pvc", "data", "-o", "jsonpath={.status.phase}"]);
    expect(pvc.stdout).toBe("Bound");
  });

  it("kubectl exec returns the command's output and its exit code, inside the container's mounts", async () => {
    const ok = await sb.kubectl(["-n", "shop", "exec", "deploy/web", "--", "cat", "/var/lib/shop/orders.txt"]);
    expect(ok).toMatchObject({ code: 0, stdout: "order-1\n" });
    const echo = await sb.kubectl(["-n", "shop", "exec", "deploy/web", "--", "echo", "from", "/bin/echo"]); // a name that is also a shell builtin
    expect(echo).toMatchObject({ code: 0, stdout: "from /bin/echo\n" });
    const failed = await sb.kubectl(["-n", "shop", "exec", "deploy/web", "--", "sh", "-c", "echo oops >&2; exit 7"]);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain("oops");
    expect(failed.stderr).toContain("command terminated with exit code 7");
    const stdin = await sb.kubectl(["-n", "shop", "exec", "-i", "deploy/web", "--", "sh", "-c", "cat > /var/lib/shop/in.txt && wc -c < /var/lib/shop/in.txt"], "x".repeat(100_000));
    expect(stdin.stdout.trim()).toBe("100000");
  });

  it("kubectl logs shows the container's output, also with --tail", async () => {
    const logs = await sb.kubectl(["-n", "shop", "logs", "deploy/web"]);
    expect(logs.stdout).toBe("started web\n");
    const tail = await sb.kubectl(["-n", "shop", "logs", "deploy/web", "--tail=1", "-c", "main"]);
    expect(tail.stdout).toBe("started web\n");
  });

  it("kubectl get pvc -w streams changes as they happen", async () => {
    const watch = sb.kubectl(["-n", "shop", "get", "pvc", "-w", "--request-timeout=4s"]);
    await new Promise((r) => setTimeout(r, 700));
    const created = await sb.kubectl(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: scratch, namespace: shop}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    );
    expect(created.code).toBe(0);
    const out = (await watch).stdout;
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+VOLUME/);
    expect(out).toMatch(/data\s+Bound/);
    expect(out).toMatch(/scratch\s+Pending/);
    expect(out).toMatch(/scratch\s+Bound\s+pvc-/);
  });

  it("kubectl scale --replicas=0 removes the pod, and back to 1 starts a new one", async () => {
    const scaled = await sb.kubectl(["-n", "shop", "scale", "deployment/web", "--replicas=0"]);
    expect(scaled.stdout).toContain("deployment.apps/web scaled");
    await waitFor("no pods left", async () => (await sb.kubectl(["-n", "shop", "get", "pods", "-o", "name"])).stdout.trim() === "");
    const deploy = await sb.kubectl(["-n", "shop", "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}/{.status.replicas}"]);
    expect(deploy.stdout).toMatch(/^0\/0?$/); // status.replicas is omitted when 0, as on a real cluster
    await sb.kubectl(["-n", "shop", "scale", "deployment/web", "--replicas=1"]);
    const rollout = await sb.kubectl(["-n", "shop", "rollout", "status", "deployment/web", "--timeout=30s"]);
    expect(rollout.code).toBe(0);
    const data = await sb.kubectl(["-n", "shop", "exec", "deploy/web", "--", "cat", "/var/lib/shop/in.txt"]);
    expect(data.stdout.length).toBe(100_000); // the volume outlived the pod
  });

  it("a pod past its activeDeadlineSeconds is stopped and Failed with DeadlineExceeded; a quicker one Succeeds", async () => {
    const pod = (name: string, command: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  restartPolicy: Never\n  activeDeadlineSeconds: 2\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: busybox, command: [sh, -c, '${command}']}\n`;
    expect((await sb.kubectl(["apply", "-f", "-"], pod("slow", "sleep infinity") + "---\n" + pod("quick", "true"))).code).toBe(0);
    const failed = await sb.kubectl(["-n", "shop", "wait", "pod/slow", "--for=jsonpath={.status.phase}=Failed", "--timeout=30s"]);
    expect(failed.code, failed.stderr).toBe(0);
    const status = await sb.kubectl(["-n", "shop", "get", "pod", "slow", "-o", "jsonpath={.status.reason}: {.status.message}"]);
    expect(status.stdout).toBe("DeadlineExceeded: Pod was active on the node longer than the specified deadline");
    const events = await sb.kubectl(["-n", "shop", "get", "events", "--field-selector", "involvedObject.name=slow", "-o", "jsonpath={.items[*].reason}"]);
    expect(events.stdout.split(" ")).toContain("DeadlineExceeded");
    await new Promise((r) => setTimeout(r, 2500)); // past the quick pod's deadline: it stays Succeeded
    expect((await sb.kubectl(["-n", "shop", "get", "pod", "quick", "-o", "jsonpath={.status.phase}"])).stdout).toBe("Succeeded");
  });

  it("kubectl delete namespace removes everything in it", async () => {
    const del = await sb.kubectl(["delete", "namespace", "shop", "--timeout=60s"]);
    expect(del.stdout).toContain('namespace "shop" deleted');
    const ns = await sb.kubectl(["get", "namespace", "shop"]);
    expect(ns.stderr).toContain('namespaces "shop" not found');
    const pvs = await sb.kubectl(["get", "pv", "-o", "name"]);
    expect(pvs.stdout.trim()).toBe("");
  });
});
