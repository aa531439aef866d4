import { Exec, KubeConfig, type V1Status } from "@kubernetes/client-node";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { execErrors, handleExecWebSocket, selectExecSubprotocol, upgradeExec, type ExecDeps } from "./exec-protocol.ts";
import { readAll, type ExecProcess, type ExecResult } from "./runtime-exec.ts";
import { Container } from "./runtime.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FakeProc extends ExecProcess {
  stdout: PassThrough;
  stderr: PassThrough;
  finish(r: ExecResult): void;
  stdinText: Promise<string>;
  killed: boolean;
  sizes: [number, number][];
}

/** An ExecProcess driven by the test: it sees stdin and ends when told to. */
function fakeProc(): FakeProc {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let finish: (r: ExecResult) => void = () => {};
  const exited = new Promise<ExecResult>((r) => (finish = r));
  const p: FakeProc = {
    stdout,
    stderr,
    stdin,
    exited,
    stdinText: readAll(stdin).then(String),
    killed: false,
    sizes: [],
    kill: () => {
      p.killed = true;
      p.finish({ exitCode: 137, signal: "SIGKILL" });
    },
    resize: (c, r) => p.sizes.push([c, r]),
    finish: (r) => {
      stdout.end();
      stderr.end();
      finish(r);
    },
  };
  return p;
}

/** A websocket server that hands each connection to handleExecWebSocket with `proc`. */
async function protocolServer(proc: ExecProcess, opts = { stdin: true, stdout: true, stderr: true, tty: false }, command = ["cmd"]) {
  const server = createServer();
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim());
    const protocol = selectExecSubprotocol(offered) ?? "channel.k8s.io";
    void import("ws").then(({ WebSocketServer }) => {
      const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol });
      wss.handleUpgrade(req, socket, head, (ws) => void handleExecWebSocket(ws, protocol, proc, opts, command));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** A raw client: collects frames (channel, payload) until the server closes. */
function rawClient(url: string, protocol: string) {
  const ws = new WebSocket(url, [protocol]);
  const frames: [number, string][] = [];
  const base64 = protocol.includes("base64");
  ws.on("message", (data: Buffer, isBinary) => {
    if (base64) frames.push([data.toString().charCodeAt(0) - 48, Buffer.from(data.toString().slice(1), "base64").toString()]);
    else frames.push([data[0] ?? -1, data.subarray(1).toString()]);
    expect(isBinary).toBe(!base64);
  });
  const opened = new Promise<void>((r) => ws.once("open", () => r()));
  const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
  return { ws, frames, opened, closed };
}

describe("selectExecSubprotocol", () => {
  it("prefers v5, then v4, and knows the older names", () => {
    expect(selectExecSubprotocol(["v4.channel.k8s.io", "v5.channel.k8s.io"])).toBe("v5.channel.k8s.io");
    expect(selectExecSubprotocol(["channel.k8s.io", "v4.channel.k8s.io"])).toBe("v4.channel.k8s.io");
    expect(selectExecSubprotocol(["v4.base64.channel.k8s.io"])).toBe("v4.base64.channel.k8s.io");
    expect(selectExecSubprotocol(["v3.channel.k8s.io", "v2.channel.k8s.io"])).toBe("v3.channel.k8s.io");
    expect(selectExecSubprotocol(["SPDY/3.1", "foo"])).toBeUndefined();
  });
});

describe("handleExecWebSocket", () => {
  it("v5: multiplexes output, half-closes stdin with [255, 0], resizes, and ends with a Success Status", async () => {
    const proc = fakeProc();
    const { server, url } = await protocolServer(proc);
    const c = rawClient(url, "v5.channel.k8s.io");
    await c.opened;
    c.ws.send(Buffer.from([0, ...Buffer.from("hello")]));
    c.ws.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":40}')]));
    c.ws.send(Buffer.from([255, 0]));
    expect(await proc.stdinText).toBe("hello");
    proc.stdout.write("out");
    proc.stderr.write("err");
    await sleep(20);
    proc.finish({ exitCode: 0 });
    expect(await c.closed).toBe(1000);
    expect(c.frames).toEqual([
      [1, ""],
      [1, "out"],
      [2, "err"],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
    expect(proc.sizes).toEqual([[100, 40]]);
    server.close();
  });

  it("v4: a non-zero exit is a NonZeroExitCode Status", async () => {
    const proc = fakeProc();
    const { server, url } = await protocolServer(proc, { stdin: false, stdout: true, stderr: true, tty: false }, ["sh", "-c", "exit 3"]);
    const c = rawClient(url, "v4.channel.k8s.io");
    await c.opened;
    expect(await proc.stdinText).toBe(""); // stdin=false: closed right away
    proc.finish({ exitCode: 3 });
    await c.closed;
    expect(c.frames.at(-1)).toEqual([
      3,
      JSON.stringify({
        metadata: {},
        status: "Failure",
        message: "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
        reason: "NonZeroExitCode",
        details: { causes: [{ reason: "ExitCode", message: "3" }] },
      }),
    ]);
    server.close();
  });

  it("base64.channel.k8s.io: text frames; channel.k8s.io: plain failure text; a client hang-up kills the process", async () => {
    const proc = fakeProc();
    const { server, url } = await protocolServer(proc);
    const c = rawClient(url, "base64.channel.k8s.io");
    await c.opened;
    c.ws.send("0" + Buffer.from("in").toString("base64"));
    proc.stdout.write("bin\u0000ary");
    await sleep(20);
    proc.finish({ exitCode: 1 });
    await c.closed;
    expect(c.frames).toEqual([
      [1, ""],
      [1, "bin\u0000ary"],
      [3, "command terminated with non-zero exit code: error executing command [cmd], exit code 1"],
    ]);
    server.close();

    const proc2 = fakeProc();
    const s2 = await protocolServer(proc2);
    const c2 = rawClient(s2.url, "channel.k8s.io");
    await c2.opened;
    c2.ws.close();
    expect((await proc2.exited).signal).toBe("SIGKILL");
    expect(proc2.killed).toBe(true);
    s2.server.close();
  });
});

describe("upgradeExec with a real container", () => {
  const root = mkdtempSync(join(tmpdir(), "rafdir-exec-"));
  const data = join(root, "data");
  mkdirSync(data);
  writeFileSync(join(data, "greeting"), "hello from the volume\n");
  const container = new Container({
    id: "web-main",
    command: ["sleep", "infinity"],
    env: { APP: "web" },
    mounts: [{ hostPath: data, mountPath: "/data", readOnly: false }],
    stateDir: join(root, "state"),
    hostname: "web",
  });
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "ns", uid: "u1", resourceVersion: "1", creationTimestamp: "2024-01-01T00:00:00Z" },
    spec: { containers: [{ name: "main", image: "busybox" }] },
    status: { phase: "Running", containerStatuses: [{ name: "main", ready: true, restartCount: 0, image: "busybox", imageID: "", state: { running: {} } }] },
  };
  const deps: ExecDeps = {
    resolve: async (ns, name, c) => {
      if (ns !== "ns" || (name !== "web" && name !== "stopped")) throw execErrors.podNotFound(name);
      if (c !== undefined && c !== "main") throw execErrors.containerNotValid(c, name);
      if (name === "stopped") throw execErrors.podNotRunning(name);
      return container;
    },
  };
  const requests: string[] = [];
  let server: Server;
  let base = "";

  /** Just enough of the API for kubectl exec: discovery and GET of the one pod. */
  function api(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(`${req.method} ${path}`);
    const json = (code: number, body: unknown) => res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    if (path === "/api") return json(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: base }] });
    if (path === "/apis") return json(200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
    if (path === "/api/v1")
      return json(200, {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"], shortNames: ["po"] },
          { name: "pods/exec", singularName: "", namespaced: true, kind: "PodExecOptions", verbs: ["create", "get"] },
        ],
      });
    if (path === "/api/v1/namespaces/ns/pods/web") return json(200, pod);
    if (path === "/api/v1/namespaces/ns/pods/stopped") return json(200, { ...pod, metadata: { ...pod.metadata, name: "stopped" } });
    json(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "NotFound", code: 404, message: "not found" });
  }

  beforeAll(async () => {
    await container.start();
    server = createServer(api);
    server.on("upgrade", (req, socket, head) => void upgradeExec(req, socket, head, deps));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await container.remove();
    rmSync(root, { recursive: true, force: true });
  });

  function client(): Exec {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "sandbox", server: `http://${base}`, skipTLSVerify: true }], // client-node allows http only so
      users: [{ name: "me" }],
      contexts: [{ name: "sandbox", cluster: "sandbox", user: "me" }],
      currentContext: "sandbox",
    });
    return new Exec(kc);
  }

  async function clientExec(command: string[], stdin: Readable | null = null) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = readAll(stdout);
    const err = readAll(stderr);
    const status = await new Promise<V1Status>((resolve, reject) => {
      client().exec("ns", "web", "main", command, stdout, stderr, stdin, false, resolve).catch(reject);
    });
    return { status, stdout: (await out).toString(), stderr: (await err).toString() };
  }

  it("client-node Exec: output, env and mounts of the container, Success", async () => {
    const r = await clientExec(["sh", "-c", "cat /data/greeting; echo $APP $(hostname) >&2"]);
    expect(r).toEqual({ status: { metadata: {}, status: "Success" }, stdout: "hello from the volume\n", stderr: "web web\n" });
  });

  it("client-node Exec: exit codes and a missing executable", async () => {
    const r = await clientExec(["sh", "-c", "echo bye > /data/left; exit 7"]);
    expect(r.status).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "7" }] } });
    expect(readFileSync(join(data, "left"), "utf8")).toBe("bye\n");
    const missing = await clientExec(["no-such-tool"]);
    expect(missing.status).toMatchObject({ status: "Failure", reason: "InternalError", code: 500 });
    expect(String(missing.status.message)).toContain('exec: "no-such-tool": executable file not found in $PATH');
  });

  it("client-node Exec: stdin is streamed and half-closed (v5)", async () => {
    const r = await clientExec(["sh", "-c", "tr a-z A-Z; echo done"], Readable.from([Buffer.from("abc "), Buffer.from("xyz\n")]));
    expect(r.stdout).toBe("ABC XYZ\ndone\n");
    expect(r.status.status).toBe("Success");
  });

  it("client-node Exec: binary output arrives intact", async () => {
    const stdout = new PassThrough();
    const out = readAll(stdout);
    const status = await new Promise<V1Status>((resolve, reject) => {
      client().exec("ns", "web", "main", ["sh", "-c", "head -c 3000000 /dev/urandom | tee /data/blob"], stdout, null, null, false, resolve).catch(reject);
    });
    expect(status.status).toBe("Success");
    const got = await out;
    expect(got.length).toBe(3_000_000);
    expect(got.equals(readFileSync(join(data, "blob")))).toBe(true);
  });

  it("answers an HTTP Status before upgrading when the pod or container is wrong", async () => {
    const upgrade = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ code: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`http://${base}${path}`, {
          headers: {
            Connection: "Upgrade",
            Upgrade: "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": Buffer.from("0123456789abcdef").toString("base64"),
            "Sec-WebSocket-Protocol": "v5.channel.k8s.io",
            ...headers,
          },
        });
        req.on("response", (res) => void readAll(res).then((b) => resolve({ code: res.statusCode ?? 0, body: JSON.parse(b.toString()) })));
        req.on("upgrade", () => reject(new Error("unexpected upgrade")));
        req.on("error", reject);
        req.end();
      });
    const q = "command=true&stdout=true";
    expect(await upgrade(`/api/v1/namespaces/ns/pods/nope/exec?${q}`)).toMatchObject({ code: 404, body: { reason: "NotFound", message: 'pods "nope" not found' } });
    expect(await upgrade(`/api/v1/namespaces/ns/pods/web/exec?${q}&container=side`)).toMatchObject({
      code: 400,
      body: { kind: "Status", message: "container side is not valid for pod web" },
    });
    expect(await upgrade(`/api/v1/namespaces/ns/pods/stopped/exec?${q}`)).toMatchObject({ code: 400, body: { message: "pod is not running" } });
    expect((await upgrade(`/api/v1/namespaces/ns/pods/web/exec?stdout=true`)).code).toBe(400);
    expect((await upgrade(`/api/v1/namespaces/ns/pods/web/exec?command=true`)).code).toBe(400);
    expect((await upgrade(`/api/v1/namespaces/ns/pods/web/exec?${q}`, { "Sec-WebSocket-Protocol": "nope" })).code).toBe(400);
    expect((await upgrade(`/api/v1/namespaces/ns/pods/web/exec?${q}`, { Upgrade: "SPDY/3.1" })).body.message).toContain("only over websockets");
  });

  async function kubectl(args: string[], input?: string) {
    const dir = mkdtempSync(join(root, "kube-"));
    const config = join(dir, "config");
    writeFileSync(
      config,
      `apiVersion: v1
kind: Config
clusters: [{name: sandbox, cluster: {server: "http://${base}"}}]
users: [{name: me, user: {}}]
contexts: [{name: sandbox, context: {cluster: sandbox, user: me, namespace: ns}}]
current-context: sandbox
`,
    );
    const child = spawn("kubectl", ["--kubeconfig", config, "--cache-dir", join(dir, "cache"), ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, KUBECONFIG: config, HOME: dir },
    });
    child.stdin.end(input ?? "");
    const [stdout, stderr, code] = await Promise.all([
      readAll(child.stdout),
      readAll(child.stderr),
      new Promise<number | null>((r) => child.once("close", (c) => r(c))),
    ]);
    return { code, stdout: stdout.toString(), stderr: stderr.toString() };
  }

  it("real kubectl exec and cp: output, exit code, stdin", async () => {
    const ok = await kubectl(["exec", "web", "--", "sh", "-c", "cat /data/greeting; echo to-stderr >&2"]);
    expect(ok).toEqual({ code: 0, stdout: "hello from the volume\n", stderr: "to-stderr\n" });
    expect(requests).toContain("GET /api/v1/namespaces/ns/pods/web");

    const failed = await kubectl(["exec", "web", "-c", "main", "--", "sh", "-c", "exit 4"]);
    expect(failed.code).toBe(4);

    const piped = await kubectl(["exec", "-i", "web", "--", "sh", "-c", "wc -c; cat > /data/from-kubectl"], "twelve bytes");
    expect(piped).toMatchObject({ code: 0, stdout: "12\n" });
    expect(readFileSync(join(data, "from-kubectl"), "utf8")).toBe("");

    const local = join(root, "upload.bin");
    writeFileSync(local, Buffer.alloc(100_000, 7));
    expect(await kubectl(["cp", local, "web:/data/uploaded.bin"])).toMatchObject({ code: 0 });
    expect(readFileSync(join(data, "uploaded.bin")).equals(readFileSync(local))).toBe(true);
    expect(await kubectl(["cp", "web:/data/greeting", join(root, "downloaded")])).toMatchObject({ code: 0 });
    expect(readFileSync(join(root, "downloaded"), "utf8")).toBe("hello from the volume\n");

    const bad = await kubectl(["exec", "web", "-c", "side", "--", "true"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("container side is not valid for pod web");
  });
});
