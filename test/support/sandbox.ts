// Test helpers: a sandbox in a temp dir, the real kubectl against it, and polling.
import { execFile, spawn } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { createLogger } from "../../shared/log.ts";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../sandbox/sandbox.ts";

const run = promisify(execFile);

export interface TestSandbox extends Sandbox {
  dir: string;
  kc: KubeConfig;
  /** Runs the real kubectl against the sandbox; never throws, returns the exit code. */
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export interface RawResponse {
  status: number;
  body: string;
  json(): Record<string, unknown>;
}

/** A plain HTTPS request to the sandbox API server (no client library in between). */
export function rawRequest(sb: Pick<Sandbox, "url" | "ca">, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, sb.url), { method, ca: sb.ca, headers: { "Content-Type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export async function testSandbox(
  opts: { snapshotReadyDelayMs?: number; dir?: string; watchHistory?: number; eventing?: SandboxOptions["eventing"] } = {},
): Promise<TestSandbox> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "rafdir-sandbox-"));
  const log = createLogger({ name: "sandbox", level: process.env["RAFDIR_TEST_LOG"] ?? "warn" });
  const sandbox = await startSandbox({
    dir,
    log,
    snapshotReadyDelayMs: opts.snapshotReadyDelayMs,
    watchHistory: opts.watchHistory,
    eventing: opts.eventing ?? false,
  });
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  return {
    ...sandbox,
    dir,
    kc,
    kubectl: (args, input) => kubectl(sandbox.kubeconfig, args, input),
    async close() {
      await sandbox.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("kubectl", ["--kubeconfig", kubeconfig, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Polls `fn` until it returns a value that is not undefined/false, or throws with the last seen state. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** sha256 of every file below `dir` inside a pod, as `sha256sum` prints it, sorted by path. */
export async function checksumsOnHost(dir: string): Promise<string> {
  const { stdout } = await run("sh", ["-c", `cd "${dir}" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`]);
  return stdout;
}
