// Kubernetes name rules (DNS-1123) and the message fragments that explain a bad name.

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** DNS-1123 label: namespaces, containers, profile/schedule/repository names. */
export const isDnsLabel = (s: string): boolean => s.length <= 63 && LABEL.test(s);
/** DNS-1123 subdomain: deployments, statefulsets, nodes, storage and snapshot classes. */
export const isDnsSubdomain = (s: string): boolean => s.length <= 253 && SUBDOMAIN.test(s);

/** The closest valid label: lowercased, runs of other characters become "-", trimmed to 63. */
export function suggestLabel(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

/** Why `s` is not a DNS-1123 label (or subdomain), as a fragment that follows the quoted value; "" when valid. */
export function nameProblem(s: string, kind: "label" | "subdomain"): string {
  const valid = kind === "label" ? isDnsLabel(s) : isDnsSubdomain(s);
  if (valid) return "";
  const max = kind === "label" ? 63 : 253;
  if (s.length === 0) return "must not be empty";
  if (s.length > max) return `is longer than ${max} characters`;
  const allowed = kind === "label" ? `lowercase letters, digits and "-"` : `lowercase letters, digits, "-" and "."`;
  const hint = suggestLabel(s);
  const suggestion = hint && hint !== s ? ` (e.g. ${JSON.stringify(hint)})` : "";
  return `is not a valid name: use ${allowed}, starting and ending with a letter or digit${suggestion}`;
}
