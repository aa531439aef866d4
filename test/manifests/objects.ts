// The rendered knative/ manifests as plain objects: `kubectl kustomize` output parsed into KObjects, plus the small
// JSON helpers the manifest checks share.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

/** The repository root (test/manifests/../..). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const KNATIVE_DIR = fileURLToPath(new URL("../../knative/", import.meta.url));

const stringMap = z.record(z.string(), z.string());

const kobjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  }),
});

export type KObject = z.infer<typeof kobjectSchema>;

export { arr, isRecord, rec, str, type JsonRecord } from "../../sandbox/apiserver/validation/json.ts";

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** "Kind namespace/name" (or "Kind name" for cluster-scoped objects), for messages. */
export function label(o: KObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

/** Parses a multi-document YAML stream into Kubernetes objects; throws naming the document that is not one. */
export function parseObjects(text: string): KObject[] {
  const out: KObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`document ${i}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return;
    const parsed = kobjectSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`document ${i} is not a Kubernetes object: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
    out.push(parsed.data);
  });
  return out;
}

export interface Rendered {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl kustomize <dir>` (the real binary on PATH); never throws, a missing kubectl is code 127. */
export function kustomize(dir: string = KNATIVE_DIR): Promise<Rendered> {
  return new Promise((resolve) => {
    execFile("kubectl", ["kustomize", dir], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 127;
      resolve({ code, stdout, stderr: err !== null && stderr === "" ? err.message : stderr });
    });
  });
}

/** A deep copy (the checks' negative tests mutate copies of the rendered objects). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
