// metav1.LabelSelector: validation of its expressions and matching against labels.

import type { FieldCause } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str, stringMap } from "./json.ts";
import { validateLabels } from "./names.ts";

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

export function isEmptySelector(selector: unknown): boolean {
  const s = rec(selector);
  return Object.keys(rec(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0;
}

export function validateLabelSelector(selector: unknown, path: FieldPath): FieldCause[] {
  if (!isRecord(selector)) return [];
  const causes = validateLabels(selector.matchLabels, path.child("matchLabels"));
  arr(selector.matchExpressions).forEach((raw, i) => {
    const p = path.child("matchExpressions").index(i);
    const e = rec(raw);
    const values = arr(e.values);
    if (!isOneOf(OPERATORS, e.operator)) {
      causes.push(fieldError.invalid(p.child("operator"), e.operator ?? "", "not a valid selector operator"));
    } else if ((e.operator === "In" || e.operator === "NotIn") && values.length === 0) {
      causes.push(fieldError.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if ((e.operator === "Exists" || e.operator === "DoesNotExist") && values.length > 0) {
      causes.push(fieldError.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    if (!str(e.key)) causes.push(fieldError.required(p.child("key")));
  });
  return causes;
}

/** Whether a label selector selects an object with these labels (an empty selector selects everything). */
export function selectorMatches(selector: unknown, labelsValue: unknown): boolean {
  const s = rec(selector);
  const labels = stringMap(labelsValue);
  for (const [k, v] of Object.entries(stringMap(s.matchLabels))) if (labels[k] !== v) return false;
  for (const raw of arr(s.matchExpressions)) {
    const e = rec(raw);
    const key = str(e.key) ?? "";
    const values = arr(e.values);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
