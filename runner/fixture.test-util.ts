// Test fixture for the runner: temporary restic repositories (real restic, from .tools/bin on PATH), a generated
// resticprofile config + job, a captured log, and a local stand-in for the Kubernetes exec port.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Writable } from "node:stream";
import { createLogger, type Logger } from "../shared/log.ts";
import { initArgv, restic, type ResticGlobal } from "../shared/restic/argv.ts";
import { buildResticprofileConfig, type RunSpec } from "../shared/restic/resticprofile-config.ts";
import { runCommand, type RunResult } from "../shared/restic/run.ts";
import type { PodExec } from "./exec.ts";
import type { RunnerJob, StdinSource } from "./job.ts";

export const PASSWORD = "correct horse battery staple";

export interface Fixture {
  dir: string;
  env: NodeJS.ProcessEnv;
  logs: string[];
  log: Logger;
  /** Creates and initialises repository `name` at `<dir>/repos/<name>`. */
  repo(name: string): Promise<string>;
  /** Writes the generated config beside a job and returns the job. */
  job(opts: { run: string; base?: unknown; repositories: Record<string, unknown>; spec: RunSpec; stdin?: Omit<StdinSource, "filename"> }): RunnerJob;
  restic(args: string[], repoPath: string): Promise<RunResult>;
  cleanup(): void;
}

export function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "rafdir-runner-"));
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "", HOME: dir, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(dir, "cache") };
  const logs: string[] = [];
  const log = createLogger({ name: "rafdir-runner", level: "debug" }, { write: (line: string) => void logs.push(line) });
  const global = (repoPath: string): ResticGlobal => ({ repo: repoPath });
  return {
    dir,
    env,
    logs,
    log,
    async repo(name) {
      const path = join(dir, "repos", name);
      const r = await runCommand(restic(initArgv(), global(path)), { env });
      if (r.code !== 0) throw new Error(`restic init ${path}: ${r.stderr}`);
      return path;
    },
    job({ run, base, repositories, spec, stdin }) {
      const cfg = buildResticprofileConfig(base, repositories, spec);
      const configPath = join(dir, `${run}.yaml`);
      writeFileSync(configPath, cfg.yaml);
      return {
        run,
        profile: spec.profile,
        host: spec.host,
        resticprofileConfigPath: configPath,
        profiles: cfg.profiles,
        ...(stdin && spec.stdin ? { stdin: { ...stdin, ...(cfg.stdinPath ? { path: cfg.stdinPath } : { filename: spec.stdin.filename }) } } : {}),
      };
    },
    restic: (args, repoPath) => runCommand(restic(args, global(repoPath)), { env, maxOutputBytes: 64 * 1024 * 1024 }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** sha256 of every file below `root`, keyed by its path relative to `root`. */
export function checksums(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(root);
  return out;
}

export const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** Files with text, binary and nested content under `<dir>/<name>`. */
export function writeTree(dir: string, name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, "nested", "deeper"), { recursive: true });
  writeFileSync(join(root, "hello.txt"), "hello\n");
  writeFileSync(join(root, "nested", "blob.bin"), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256)));
  writeFileSync(join(root, "nested", "deeper", "empty"), "");
  writeFileSync(join(root, "nested", "deeper", "config.json"), JSON.stringify({ a: 1 }));
  return root;
}

/** restic dump as raw bytes (runCommand keeps text; a dump is binary). */
export function dumpBytes(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; bytes: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(args[0] ?? "restic", args.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, bytes: Buffer.concat(chunks), stderr }));
  });
}

/** A stand-in for the Kubernetes exec port: runs the command on this machine and reports like the API server. */
export const localExec: PodExec = (req, stdout: Writable, signal) =>
  new Promise((resolve) => {
    const child = spawn(req.command[0] ?? "sh", req.command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.pipe(stdout, { end: false });
    signal?.addEventListener("abort", () => child.kill("SIGKILL"), { once: true });
    child.on("close", (code, sig) => {
      if (signal?.aborted) return resolve({ error: "aborted", stderr });
      if (code === 0) return resolve({ status: { status: "Success", exitCode: 0 }, stderr });
      resolve({ status: { status: "Failure", reason: "NonZeroExitCode", ...(code !== null ? { exitCode: code } : { message: `killed by ${sig ?? "?"}` }) }, stderr });
    });
  });

/** Namespace `app` and pod `app/db` whose /work holds dump.bin (500 kB random), plus whatever `more` writes, then /work/ready. */
export function dbPodYaml(more = ""): string {
  const write = `head -c 500000 /dev/urandom > /work/dump.bin${more ? ` && ${more}` : ""} && touch /work/ready && exec sleep infinity`;
  return `
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app}
spec:
  containers:
  - name: db
    image: busybox
    command: ["sh", "-c", "${write}"]
    volumeMounts: [{name: work, mountPath: /work}]
  volumes:
  - {name: work, emptyDir: {}}
`;
}
