// One predicate from a request's labelSelector and fieldSelector strings.
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import type { KObject } from "./types.ts";

export type ObjectMatcher = (obj: KObject) => boolean;

export function compileSelectors(labelSelector: string | undefined, fieldSelector: string | undefined): ObjectMatcher {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  return (obj) => (labels ? labels.matches(obj.metadata.labels) : true) && (fields ? fields.matches(obj) : true);
}
