// A dump beside folders (upstream's mode): the command's stdout is written to `stdin.path`, inside the first backed-up
// folder (a writable clone of the PVC; run-restic refuses a live NFS or hostPath folder), before the folders backup.
// It goes to `<path>.partial` first and is renamed only when the dump is good (exec Status Success, bytes > 0); a
// failed dump leaves no file behind.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import type { Logger } from "../shared/log.ts";
import type { RunnerDeps } from "./backup.ts";
import { stdinArgv, type StdinSource } from "./job.ts";
import type { StdinResult } from "./result.ts";
import { judgeStdin } from "./stdin-verdict.ts";
import { Tee, newTarget } from "./tee.ts";

export async function dumpToFile(source: StdinSource & { path: string }, deps: RunnerDeps, log: Logger): Promise<StdinResult> {
  if (!deps.exec) throw new Error("a dump needs the Kubernetes exec port");
  const partial = `${source.path}.partial`;
  const target = newTarget();
  const file = createWriteStream(partial, { mode: 0o600 });
  const written = finished(target.pipe(file)).then(
    () => undefined,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  const execAbort = new AbortController();
  const stop = () => execAbort.abort();
  deps.signal?.addEventListener("abort", stop, { once: true });
  file.once("error", stop);
  const tee = new Tee([target], stop);

  log.info({ step: "stdin", namespace: source.namespace, pod: source.pod, container: source.container, path: source.path }, "writing dump");
  const end = await deps.exec({ namespace: source.namespace, pod: source.pod, container: source.container, command: stdinArgv(source) }, tee, execAbort.signal);
  deps.signal?.removeEventListener("abort", stop);
  if (end.status?.status === "Success" && end.error === undefined) await new Promise<void>((resolve) => tee.end(resolve));
  else tee.destroy(); // nothing more reaches the file
  target.end();
  const writeError = await written;
  const verdict = writeError !== undefined ? { ok: false as const, reason: `cannot write ${source.path}: ${writeError}` } : judgeStdin(end, tee.bytes);
  if (verdict.ok) await rename(partial, source.path);
  else await rm(partial, { force: true });

  const result: StdinResult = {
    bytes: tee.bytes,
    ...(end.status?.exitCode !== undefined ? { exitCode: end.status.exitCode } : {}),
    ...(!verdict.ok ? { error: verdict.reason } : {}),
  };
  log[verdict.ok ? "info" : "error"]({ step: "stdin", ok: verdict.ok, path: source.path, ...result }, "dump written");
  return result;
}
