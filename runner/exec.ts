// The Kubernetes port of the runner: run a command in a pod over the pods/exec WebSocket (client-node's `Exec`) and
// stream its stdout into a Writable, with backpressure (the socket is paused while the Writable is full, so the
// kubelet pauses the command). The end is the Status the API server sends on the error channel (v4+ protocols);
// a socket that closes without one is a broken stream.
import { Writable } from "node:stream";
import { Exec, type KubeConfig } from "@kubernetes/client-node";

type ExecSocket = Awaited<ReturnType<Exec["exec"]>>;

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
}

/** The Status of an ended command, reduced to what the runner judges. */
export interface ExecStatus {
  status: string;
  reason?: string;
  message?: string;
  /** 0 on Success; the command's code for NonZeroExitCode; absent when it never ran (InternalError, …). */
  exitCode?: number;
}

export interface ExecEnd {
  /** Absent when the stream ended without a Status. */
  status?: ExecStatus;
  /** Why the stream could not start, broke, or was aborted. */
  error?: string;
  /** The tail of the command's stderr. */
  stderr: string;
}

export type PodExec = (req: ExecRequest, stdout: Writable, signal?: AbortSignal) => Promise<ExecEnd>;

const STDERR_TAIL = 4096;

/** Reduces a V1Status (as parsed JSON) to ExecStatus; the exit code is in `details.causes[reason=ExitCode]`. */
export function toExecStatus(raw: unknown): ExecStatus {
  const s = (typeof raw === "object" && raw !== null ? raw : {}) as {
    status?: unknown;
    reason?: unknown;
    message?: unknown;
    details?: { causes?: Array<{ reason?: unknown; message?: unknown }> };
  };
  const status = typeof s.status === "string" ? s.status : "Unknown";
  const cause = s.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  const exitCode = status === "Success" ? 0 : Number.isInteger(code) && cause?.message !== undefined ? code : undefined;
  return {
    status,
    ...(typeof s.reason === "string" ? { reason: s.reason } : {}),
    ...(typeof s.message === "string" ? { message: s.message } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
  };
}

export function createPodExec(kc: KubeConfig): PodExec {
  return (req, stdout, signal) => execInto(new Exec(kc), req, stdout, signal);
}

async function execInto(exec: Exec, req: ExecRequest, stdout: Writable, signal?: AbortSignal): Promise<ExecEnd> {
  let ws: ExecSocket | undefined;
  let pauseWanted = false;
  let status: ExecStatus | undefined;
  let stderr = "";

  // What Exec writes to: forwards to `stdout` and pauses the socket while `stdout` is full. Exec ends it when the
  // Status arrives; ending it never ends `stdout` (the caller decides what the end means).
  const forward = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (stdout.write(chunk)) return cb();
      pauseWanted = true;
      ws?.pause();
      stdout.once("drain", () => {
        pauseWanted = false;
        ws?.resume();
        cb();
      });
    },
  });
  const flushed = new Promise<void>((resolve) => forward.once("finish", resolve));
  const errors = new Writable({
    write(chunk: Buffer, _enc, cb) {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL);
      cb();
    },
  });

  if (signal?.aborted) return { error: "aborted", stderr };
  try {
    ws = await exec.exec(req.namespace, req.pod, req.container ?? "", req.command, forward, errors, null, false, (s) => {
      status = toExecStatus(s);
    });
  } catch (e) {
    return { error: `exec into ${req.namespace}/${req.pod} failed: ${describeError(e)}`, stderr };
  }
  const socket = ws;
  if (pauseWanted) socket.pause();

  let socketError: string | undefined;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    socket.terminate();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  socket.on("error", (e: Error) => (socketError = e.message));
  await new Promise<void>((resolve) => {
    if (socket.readyState === socket.CLOSED) resolve();
    else socket.once("close", () => resolve());
  });
  signal?.removeEventListener("abort", onAbort);

  if (status === undefined || aborted) {
    const why = aborted ? "aborted" : `stream closed without the command's exit status${socketError ? `: ${socketError}` : ""}`;
    return { ...(status ? { status } : {}), error: why, stderr };
  }
  await flushed; // every byte before the Status has reached `stdout`
  return { status, stderr };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "object" && e !== null && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}
