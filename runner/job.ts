// The job of one backup pod, read from a JSON file the per-run ConfigMap mounts (default /etc/rafdir/job.json),
// beside the generated resticprofile configuration. `profiles` is `buildResticprofileConfig(...).profiles`.
import { z } from "zod";

const Name = z.string().min(1).max(253);

export const JobProfile = z.object({
  /** The generated resticprofile profile (`--name`). */
  name: Name,
  repository: Name,
  kind: z.enum(["folders", "stdin"]),
});
export type JobProfile = z.infer<typeof JobProfile>;

export const StdinSource = z.object({
  namespace: Name,
  pod: Name,
  /** Optional when the pod has one container. */
  container: Name.optional(),
  /** A string runs as `sh -c <command>` (upstream); a list is the argv. Its stdout is the dump. */
  command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Streamed into restic (stdin profiles), which stores the bytes as `/<filename>`. */
  filename: z.string().min(1).optional(),
  /** Folders and a dump together (upstream): the dump is written here (inside `folders[0]`) before the backup. */
  path: z.string().startsWith("/").optional(),
});
export type StdinSource = z.infer<typeof StdinSource>;

/** The argv the pod runs. */
export const stdinArgv = (s: StdinSource): string[] => (typeof s.command === "string" ? ["sh", "-c", s.command] : s.command);

export const RunnerJob = z
  .object({
    run: Name,
    /** The rafdir profile: the tag of every snapshot. */
    profile: Name,
    /** The profile's restic host; scopes the forget of a snapshot a failed dump left behind. */
    host: Name,
    resticprofileConfigPath: z.string().min(1),
    profiles: z.array(JobProfile).min(1),
    stdin: StdinSource.optional(),
  })
  .superRefine((j, ctx) => {
    const streamed = j.profiles.some((p) => p.kind === "stdin");
    if (streamed && j.profiles.some((p) => p.kind === "folders")) ctx.addIssue({ code: "custom", path: ["profiles"], message: "mixes folders and stdin profiles" });
    if (streamed && (j.stdin === undefined || j.stdin.filename === undefined || j.stdin.path !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["stdin"], message: "stdin profiles need stdin with a filename and no path" });
    }
    if (!streamed && j.stdin !== undefined && j.stdin.path === undefined) {
      ctx.addIssue({ code: "custom", path: ["stdin", "path"], message: "a dump beside folders needs the path to write it to" });
    }
  });
export type RunnerJob = z.infer<typeof RunnerJob>;

export class JobError extends Error {
  override readonly name = "JobError";
}

/** Parses the job file's text; the error names each bad field. */
export function parseJob(text: string): RunnerJob {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new JobError(`job file is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = RunnerJob.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new JobError(`invalid job file: ${issues.join("; ")}`);
  }
  return parsed.data;
}

/** run/profile of a job file that failed to parse, for the failure result (empty when unreadable). */
export function jobIdentity(text: string): { run: string; profile: string } {
  try {
    const raw = JSON.parse(text) as unknown;
    const o = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    return { run: typeof o["run"] === "string" ? o["run"] : "", profile: typeof o["profile"] === "string" ? o["profile"] : "" };
  } catch {
    return { run: "", profile: "" };
  }
}
