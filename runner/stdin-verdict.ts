// Streamed dumps fail closed (DESIGN.md §5): the dump is good only if the command reported success on the exec
// Status channel, the stream did not break, and it produced bytes. Anything else fails every stdin repository.
import type { ExecEnd } from "./exec.ts";

export type StdinVerdict = { ok: true } | { ok: false; reason: string };

export function judgeStdin(end: ExecEnd, bytes: number): StdinVerdict {
  const stderr = lastLine(end.stderr);
  const said = stderr ? `; stderr: ${stderr}` : "";
  if (end.status === undefined || end.error !== undefined) {
    return { ok: false, reason: `stdin stream failed after ${bytes} bytes: ${end.error ?? "no exit status"}${said}` };
  }
  if (end.status.status !== "Success") {
    const how = end.status.exitCode !== undefined ? `exited with code ${end.status.exitCode}` : (end.status.message ?? end.status.reason ?? "failed");
    return { ok: false, reason: `stdin command ${how} after ${bytes} bytes${said}` };
  }
  if (bytes === 0) return { ok: false, reason: `stdin command produced no output${said}` };
  return { ok: true };
}

function lastLine(text: string): string | undefined {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : last.length > 200 ? `${last.slice(0, 199)}…` : last;
}
