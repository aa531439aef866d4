// The sandbox container runtime: a container is a process in its own mount namespace, chrooted into an
// overlay of the host root (writes land in the container's state dir) with its volumes bind-mounted in.
// See runtime-setup.ts for the mount recipe and runtime-procs.ts for how a container's processes are found.

import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { statSync } from "node:fs";
import { mkdir, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Writable, type Readable } from "node:stream";
import { LogWriter, readLogs, type LogStream } from "./logs.ts";
import { ExecSession, childDone, failedExec, firstLineAndRest, parseProgress, readAll, type ExecProcess, type ExecResult } from "./runtime-exec.ts";
import { killMountNamespace, mountNamespaceOf, signalExitCode, signalMountNamespace, trySignal } from "./runtime-procs.ts";
import { envArgs, execScript, resolveContainerPath, setupScript, shQuote, type SetupMount } from "./runtime-setup.ts";

export type { ExecProcess, ExecResult } from "./runtime-exec.ts";

export interface VolumeMount {
  /** Host file or directory (subPath already applied). */
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  /** Unique, e.g. `${podUid}-${containerName}`. */
  id: string;
  /** argv (command + args combined), resolved with PATH inside the container root. */
  command: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: VolumeMount[];
  /** Default /dev/termination-log. */
  terminationMessagePath?: string;
  /** FallbackToLogsOnError: an empty message of a failed container becomes the tail of its log. */
  terminationMessagePolicy?: "File" | "FallbackToLogsOnError";
  /** Host dir for the overlay upper/work dirs, the log and the termination message (created if missing). */
  stateDir: string;
  /** Host dirs prepended to PATH; bind-mounted read-only at the same path when the overlay cannot show them. */
  extraPath?: string[];
  /** Hostname in a private UTS namespace (the pod name); the host's when unset. */
  hostname?: string;
}

export interface ContainerExit {
  exitCode: number;
  signal?: string;
  reason: "Completed" | "Error" | "OOMKilled" | "ContainerCannotRun";
  /** Termination message file content (max 4096 bytes), or the setup error for ContainerCannotRun. */
  message?: string;
  startedAt: Date;
  finishedAt: Date;
}

export type ContainerState = "created" | "starting" | "running" | "exited" | "removed";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MAX_MESSAGE_BYTES = 4096;

export class Container {
  readonly spec: ContainerSpec;
  readonly exited: Promise<ContainerExit>;
  readonly #env: Record<string, string>;
  readonly #output = new EventEmitter();
  #resolveExit: (e: ContainerExit) => void = () => {};
  #state: ContainerState = "created";
  #child: ChildProcess | undefined;
  #ns: string | undefined;
  #nsHandle: FileHandle | undefined;
  #starting: Promise<void> | undefined;
  #startedAt = new Date();
  /** Pids sent SIGTERM by stop(): #reap waits for them too. */
  readonly #signalled = new Set<number>();

  constructor(spec: ContainerSpec) {
    this.spec = spec;
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
    const env: Record<string, string> = { ...spec.env };
    const path = (env.PATH ?? DEFAULT_PATH).split(":");
    env.PATH = [...(spec.extraPath ?? []).filter((d) => !path.includes(d)), ...path].join(":");
    env.HOME ??= "/root";
    if (spec.hostname !== undefined) env.HOSTNAME ??= spec.hostname;
    this.#env = env;
  }

  get id(): string {
    return this.spec.id;
  }

  get state(): ContainerState {
    return this.#state;
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** The container's main process while it runs. */
  get pid(): number | undefined {
    return this.#state === "starting" || this.#state === "running" ? this.#child?.pid : undefined;
  }

  get startedAt(): Date {
    return this.#startedAt;
  }

  logPath(): string {
    return join(this.spec.stateDir, "container.log");
  }

  #path(name: string): string {
    return join(this.spec.stateDir, name);
  }

  /**
   * Sets up the root and starts the command. Resolves once the command runs, or once the container has failed
   * to start: then `exited` carries reason ContainerCannotRun and the message.
   */
  start(): Promise<void> {
    if (this.#state !== "created") return Promise.reject(new Error(`container ${this.id} was already started`));
    this.#state = "starting";
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    let log: LogWriter | undefined;
    let setup: string;
    try {
      await mkdir(this.spec.stateDir, { recursive: true });
      await writeFile(this.logPath(), "", { flag: "a" }); // exists from the start, for followers
      log = new LogWriter(this.logPath());
      if (this.spec.command.length === 0) throw new Error("no command specified");
      await mkdir(this.#path("rootfs"), { recursive: true });
      await mkdir(this.#path("upper"), { recursive: true });
      await mkdir(this.#path("work"), { recursive: true });
      await writeFile(this.#path("termination-log"), "");
      setup = setupScript({
        rootfs: this.#path("rootfs"),
        upper: this.#path("upper"),
        work: this.#path("work"),
        mounts: this.#mounts(),
        env: this.#env,
        workingDir: this.spec.workingDir || "/",
        argv: this.spec.command,
        ...(this.spec.hostname !== undefined ? { hostname: this.spec.hostname } : {}),
      });
    } catch (e) {
      await log?.close();
      this.#finish({ exitCode: 128, reason: "ContainerCannotRun", message: errorMessage(e), startedAt: new Date(), finishedAt: new Date() });
      return;
    }

    const unshare = ["--mount", "--propagation", "private", ...(this.spec.hostname !== undefined ? ["--uts"] : [])];
    const child = spawn("unshare", [...unshare, "--", "/bin/sh", "-c", setup], {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      detached: true, // own session and process group
      env: { PATH: DEFAULT_PATH },
    });
    this.#child = child;
    const { exit, closed } = childDone(child);
    const fd3 = firstLineAndRest(child.stdio[3] as Readable | null);
    child.stdin?.on("error", () => {});
    await this.#pinNamespace(child, await fd3.firstLine);
    child.stdin?.end("go\n");
    const progress = parseProgress(await fd3.all);

    if (!progress.ok) {
      const [stderr] = await Promise.all([readAll(child.stderr), readAll(child.stdout)]);
      const { code, signal } = await exit;
      await this.#reap();
      await log.close();
      const why = progress.message ?? (stderr.toString().trim() || `container setup failed (${signal ?? `exit code ${code}`})`);
      this.#finish({
        exitCode: progress.kind === "notfound" ? 127 : 128,
        reason: "ContainerCannotRun",
        message: why.slice(0, MAX_MESSAGE_BYTES),
        startedAt: this.#startedAt,
        finishedAt: new Date(),
      });
      return;
    }

    this.#startedAt = new Date();
    this.#state = "running";
    const writer = log;
    const pump = (stream: LogStream, from: Readable | null) =>
      from?.on("data", (chunk: Buffer) => {
        this.#output.emit("data", stream, chunk);
        if (!writer.write(stream, chunk)) {
          from.pause(); // the container blocks on a full pipe until the log catches up
          void writer.drained().then(() => from.resume());
        }
      });
    pump("stdout", child.stdout);
    pump("stderr", child.stderr);

    void (async () => {
      const { code, signal } = await exit;
      const finishedAt = new Date();
      this.#state = "exited";
      await this.#reap(); // like the end of a pid namespace: nothing outlives the main process
      await closed;
      await writer.close();
      this.#output.emit("end");
      const exitCode = signal ? signalExitCode(signal) : (code ?? 0);
      const message = await this.#terminationMessage(exitCode);
      this.#finish({
        exitCode,
        ...(signal ? { signal } : {}),
        reason: exitCode === 0 ? "Completed" : "Error",
        ...(message ? { message } : {}),
        startedAt: this.#startedAt,
        finishedAt,
      });
    })();
  }

  /** Holds the container's mount namespace open (see runtime-setup.ts) if `line` announced it. */
  async #pinNamespace(child: ChildProcess, line: string | undefined): Promise<void> {
    const ns = /^ns (\S+)$/.exec(line ?? "")?.[1];
    if (!ns || child.pid === undefined) return;
    try {
      const handle = await open(`/proc/${child.pid}/ns/mnt`, "r");
      if ((await mountNamespaceOf(child.pid)) === ns && ns !== (await mountNamespaceOf("self"))) {
        this.#ns = ns;
        this.#nsHandle = handle;
      } else await handle.close();
    } catch {
      // the setup process is already gone: it never ran anything
    }
  }

  #mounts(): SetupMount[] {
    const mounts: SetupMount[] = this.spec.mounts.map((m) => ({
      source: m.hostPath,
      target: resolveContainerPath(m.mountPath),
      readOnly: m.readOnly,
    }));
    mounts.sort((a, b) => depth(a.target) - depth(b.target));
    const rootDev = statSync("/").dev;
    for (const dir of this.spec.extraPath ?? []) {
      let visible = false;
      try {
        visible = statSync(dir).dev === rootDev;
      } catch {
        continue; // a missing PATH entry is harmless
      }
      if (!visible) mounts.push({ source: dir, target: resolveContainerPath(dir), readOnly: true });
    }
    mounts.push({
      source: this.#path("termination-log"),
      target: resolveContainerPath(this.spec.terminationMessagePath || "/dev/termination-log"),
      readOnly: false,
    });
    return mounts;
  }

  async #terminationMessage(exitCode: number): Promise<string | undefined> {
    let text = "";
    try {
      const fh = await open(this.#path("termination-log"), "r");
      try {
        const buf = Buffer.alloc(MAX_MESSAGE_BYTES);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        text = buf.subarray(0, bytesRead).toString();
      } finally {
        await fh.close();
      }
    } catch {
      // no message
    }
    if (text === "" && exitCode !== 0 && this.spec.terminationMessagePolicy === "FallbackToLogsOnError") {
      const tail = await readAll(readLogs(this.logPath(), { tailLines: 80 }, new AbortController().signal));
      text = tail.subarray(Math.max(0, tail.length - 2048)).toString();
    }
    return text || undefined;
  }

  /** Kills whatever is left in the container's mount namespace, waits until it is gone, and lets the namespace go. */
  async #reap(): Promise<void> {
    if (!this.#ns) return;
    const empty = await killMountNamespace(this.#ns, 2000, this.#signalled);
    this.#signalled.clear();
    if (!empty) return; // keep the pin: a later stop()/remove() tries again
    this.#ns = undefined;
    await this.#nsHandle?.close().catch(() => {});
    this.#nsHandle = undefined;
  }

  #finish(e: ContainerExit): void {
    if (this.#state !== "removed") this.#state = "exited";
    this.#resolveExit(e);
  }

  /** SIGTERM to the container's process group and every process in it; SIGKILL to all after the grace period. */
  async stop(gracePeriodMs: number): Promise<ContainerExit> {
    if (this.#state === "created") {
      const now = new Date();
      this.#finish({ exitCode: 137, signal: "SIGKILL", reason: "Error", message: "container stopped before it started", startedAt: now, finishedAt: now });
      return this.exited;
    }
    await this.#starting;
    const pid = this.#child?.pid;
    if (this.#state !== "running" || pid === undefined) return this.exited;
    trySignal(-pid, "SIGTERM");
    if (this.#ns) for (const p of await signalMountNamespace(this.#ns, "SIGTERM")) this.#signalled.add(p);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(0, gracePeriodMs))));
    const done = await Promise.race([this.exited.then(() => false), graceOver]);
    clearTimeout(timer);
    if (done) {
      trySignal(-pid, "SIGKILL");
      await this.#reap();
    }
    return this.exited;
  }

  /** Stops the container (no grace) and deletes its state dir: writable layer, log, termination message. */
  async remove(): Promise<void> {
    if (this.#state === "starting" || this.#state === "running") await this.stop(0);
    await this.#reap();
    this.#state = "removed";
    await rm(this.spec.stateDir, { recursive: true, force: true });
  }

  /** Runs argv inside the running container (its mount namespace, root and working dir) with its env. */
  exec(argv: string[], opts: { stdin?: NodeJS.ReadableStream | null; tty?: boolean } = {}): ExecProcess {
    const pid = this.#child?.pid;
    if (this.#state !== "running" || pid === undefined) return failedExec(`container ${this.id} is not running`);
    const [name] = argv;
    if (name === undefined) return failedExec("no command specified");
    const env = opts.tty ? { TERM: "xterm", ...this.#env } : this.#env;
    const command = opts.tty ? ["script", "-qfec", argv.map(shQuote).join(" "), "/dev/null"] : argv;
    const ns = ["-t", String(pid), "-m", ...(this.spec.hostname !== undefined ? ["-u"] : []), "-r", "-w"];
    const child = spawn(
      "nsenter",
      [...ns, "--", "/usr/bin/env", "-i", "--", ...envArgs(env), "/bin/sh", "-c", execScript("PWD" in env), "sh", name, ...command],
      { stdio: ["pipe", "pipe", "pipe", "pipe"], detached: true, env: { PATH: DEFAULT_PATH } },
    );
    return new ExecSession(child, opts);
  }

  /** The main process' output from now on (kubectl attach); stdin is not connected. kill() detaches. */
  attach(): ExecProcess {
    if (this.#state !== "running") return failedExec(`container ${this.id} is not running`);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let detach: (r: ExecResult) => void = () => {};
    const exited = new Promise<ExecResult>((resolve) => (detach = resolve));
    const onData = (stream: LogStream, chunk: Buffer) => (stream === "stdout" ? stdout : stderr).write(chunk);
    const onEnd = () => finish({ exitCode: 0 });
    const finish = (r: ExecResult) => {
      this.#output.off("data", onData);
      this.#output.off("end", onEnd);
      stdout.end();
      stderr.end();
      detach(r);
    };
    this.#output.on("data", onData);
    this.#output.on("end", onEnd);
    return {
      stdout,
      stderr,
      stdin: new Writable({ write: (_c, _e, cb) => cb() }),
      exited,
      kill: () => finish({ exitCode: 0 }),
    };
  }
}

function depth(p: string): number {
  return p.split("/").filter(Boolean).length;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
