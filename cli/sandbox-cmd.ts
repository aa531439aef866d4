// `rafdir sandbox up|down|status`: run the local stand-in for Kubernetes in the foreground or detached.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { createLogger } from "../shared/log.ts";
import { startSandbox } from "../sandbox/sandbox.ts";

export const DEFAULT_SANDBOX_DIR = ".rafdir/sandbox";

interface RunInfo {
  pid: number;
  url: string;
  brokerUrl?: string;
  ingressUrl?: string;
  repository?: { path: string; passwordFile: string };
  kubeconfig: string;
  dir: string;
  startedAt: string;
}

function infoPath(dir: string): string {
  return join(dir, "sandbox.json");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readRunInfo(dir: string): RunInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(infoPath(dir), "utf8")) as RunInfo;
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

function printInfo(info: RunInfo): void {
  process.stdout.write(
    [
      `sandbox running (pid ${info.pid})`,
      `  API server:  ${info.url}`,
      ...(info.brokerUrl ? [`  broker:      ${info.brokerUrl}`] : []),
      `  kubeconfig:  ${info.kubeconfig}`,
      ...(info.repository
        ? [`  repository:  ${info.repository.path}`, `  password:    ${info.repository.passwordFile}`, `  inspect it:  restic -r ${info.repository.path} --password-file ${info.repository.passwordFile} snapshots`]
        : []),
      `  use it:      export KUBECONFIG=${info.kubeconfig}`,
      "",
    ].join("\n"),
  );
}

export async function sandboxUp(dirArg: string, detach: boolean): Promise<number> {
  const dir = resolve(dirArg);
  mkdirSync(dir, { recursive: true });
  const running = readRunInfo(dir);
  if (running) {
    process.stderr.write(`a sandbox is already running in ${dir} (pid ${running.pid}); stop it with: rafdir sandbox down --dir ${dirArg}\n`);
    printInfo(running);
    return 1;
  }
  rmSync(infoPath(dir), { force: true });
  if (detach) return detachUp(dir);
  const log = createLogger({ name: "sandbox", level: process.env["RAFDIR_LOG_LEVEL"] ?? "info" }, pino.destination(2)); // stdout stays for the summary
  const sandbox = await startSandbox({ dir, log });
  const info: RunInfo = {
    pid: process.pid,
    url: sandbox.url,
    ...(sandbox.eventing ? { brokerUrl: sandbox.eventing.brokerUrl, ingressUrl: sandbox.eventing.ingressUrl } : {}),
    kubeconfig: sandbox.kubeconfig,
    repository: sandbox.repository,
    dir,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(infoPath(dir), JSON.stringify(info, null, 2));
  printInfo(info);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sandbox.stop();
  rmSync(infoPath(dir), { force: true });
  return 0;
}

async function detachUp(dir: string): Promise<number> {
  const logFile = join(dir, "sandbox.log");
  const out = openSync(logFile, "a");
  const bin = resolve(new URL("../bin/rafdir.js", import.meta.url).pathname);
  const child = spawn(process.execPath, [bin, "sandbox", "up", "--dir", dir], { detached: true, stdio: ["ignore", out, out] });
  child.unref();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const info = readRunInfo(dir);
    if (info && info.pid === child.pid) {
      printInfo(info);
      process.stdout.write(`  logs:        ${logFile}\n  stop it:     rafdir sandbox down --dir ${dir}\n`);
      return 0;
    }
    if (child.exitCode !== null || !isAlive(child.pid ?? -1)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`the sandbox did not start; see ${logFile}\n`);
  return 1;
}

export async function sandboxDown(dirArg: string): Promise<number> {
  const dir = resolve(dirArg);
  const info = readRunInfo(dir);
  if (!info) {
    process.stdout.write(`no sandbox is running in ${dir}\n`);
    return 0;
  }
  process.kill(info.pid, "SIGTERM");
  const deadline = Date.now() + 60_000;
  while (isAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(info.pid)) {
    process.stderr.write(`sandbox (pid ${info.pid}) did not stop within 60s; killing it\n`);
    process.kill(info.pid, "SIGKILL");
  }
  rmSync(infoPath(dir), { force: true });
  process.stdout.write(`sandbox stopped; its objects and volumes stay in ${dir} for the next 'rafdir sandbox up'\n`);
  return 0;
}

function probe(url: string, caFile: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsGet(`${url}/readyz`, { ca: readFileSync(caFile), timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? "ready" : `HTTP ${res.statusCode ?? 0}`);
    });
    req.on("error", (e) => resolve(`unreachable (${e.message})`));
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

export async function sandboxStatus(dirArg: string): Promise<number> {
  const dir = resolve(dirArg);
  const info = readRunInfo(dir);
  if (!info) {
    process.stdout.write(`no sandbox is running in ${dir}${existsSync(join(dir, "state.json")) ? " (stopped; state kept)" : ""}\n`);
    return 3;
  }
  const health = await probe(info.url, join(dir, "pki", "ca.crt"));
  printInfo(info);
  process.stdout.write(`  health:      ${health}\n  started:     ${info.startedAt}\n`);
  return health === "ready" ? 0 : 1;
}
