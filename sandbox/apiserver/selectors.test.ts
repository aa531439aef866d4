import { describe, expect, it } from "vitest";
import { labelSelectorFromObject, labelSelectorToString, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { ApiError, type KObject } from "./types.ts";

const labels = { app: "web", tier: "front", version: "3" };

function catchError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("parseLabelSelector", () => {
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=api", false],
    ["app!=api", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["app in (api,web)", true],
    ["app in (api)", false],
    ["app notin (api)", true],
    ["app notin (web, api)", false],
    ["missing notin (a)", true],
    ["missing in (a)", false],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["  app = web , tier in ( front ) ", true],
    ["version>2", true],
    ["version<3", false],
    ["app>2", false],
    ["x in (in,notin)", false],
    ["app=", false],
  ])("given %j, returns matches=%s for the sample labels", (sel, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  it.each([
    ["app=", { app: "" }, true],
    ["app in ()", { app: "" }, true],
    ["app in (a,)", { app: "" }, true],
    ["app", undefined, false],
    ["!app", undefined, true],
  ])("given %j and labels %j, returns %s", (sel, ls, want) => {
    expect(parseLabelSelector(sel).matches(ls)).toBe(want);
  });

  it.each([
    ["tier=a,app in (z, b)", "app in (b,z),tier=a"],
    ["!b,a", "a,!b"],
    ["a==b", "a==b"],
    ["example.com/x!=y", "example.com/x!=y"],
    ["x notin (in)", "x notin (in)"],
  ])("given %j, returns the canonical string %j", (sel, want) => {
    expect(parseLabelSelector(sel).toString()).toBe(want);
  });

  it.each([
    ["a=b=c", "found '=', expected: ',' or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a in b", "unable to parse requirement: found 'b' expected: '('"],
    ["a in (b", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["!a=b", "found '=', expected: ',' or 'end of string'"],
    ["a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["Bad Key=1", "found 'Key', expected: in, notin, =, ==, !=, gt, lt"],
    ["-bad=1", "unable to parse requirement: <nil>: Invalid value: \"-bad\": name part must consist of alphanumeric characters"],
    ["UPPER.com/x=1", "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"],
    ["a=-v-", "unable to parse requirement: values[0][a]: Invalid value: \"-v-\": a valid label must be an empty string"],
    [`a=${"v".repeat(64)}`, "must be no more than 63 characters"],
  ])("given %j, throws 400 mentioning %j", (sel, message) => {
    const err = catchError(() => parseLabelSelector(sel));
    expect(err.code).toBe(400);
    expect(err.reason).toBe("BadRequest");
    expect(err.message).toContain(message);
  });
});

describe("labelSelectorFromObject", () => {
  it.each([
    [{}, true, ""],
    [{ matchLabels: { app: "web" } }, true, "app=web"],
    [{ matchLabels: { app: "api" } }, false, "app=api"],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, true, "tier in (back,front)"],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, false, "tier notin (front)"],
    [{ matchExpressions: [{ key: "app", operator: "Exists" }] }, true, "app"],
    [{ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false, "!app"],
    [
      { matchLabels: { version: "3" }, matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] },
      true,
      "app in (web),version=3",
    ],
  ])("given %j, returns matches=%s and string %j", (sel, want, str) => {
    const s = labelSelectorFromObject(sel);
    expect(s.matches(labels)).toBe(want);
    expect(s.toString()).toBe(str);
    expect(labelSelectorToString(sel)).toBe(str);
  });

  it.each([null, undefined])("given %s, returns a selector matching nothing", (sel) => {
    expect(labelSelectorFromObject(sel).matches(labels)).toBe(false);
    expect(labelSelectorFromObject(sel).matches({})).toBe(false);
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "Bogus" }] }, '"Bogus" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, 'values: Invalid value: []string{"x"}: values set must be empty'],
    [{ matchLabels: { "a/b/c": "x" } }, 'key: Invalid value: "a/b/c": a qualified name must consist of'],
  ])("given %j, throws 400 mentioning %j", (sel, message) => {
    const err = catchError(() => labelSelectorFromObject(sel));
    expect(err.code).toBe(400);
    expect(err.message).toContain(message);
  });
});

describe("parseFieldSelector", () => {
  const pod: KObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-0", namespace: "prod" },
    spec: { nodeName: "node-1", replicas: 3 },
    status: { phase: "Running" },
  };

  it.each([
    ["", true],
    ["metadata.name=web-0", true],
    ["metadata.name==web-0", true],
    ["metadata.name!=web-0", false],
    ["metadata.namespace=prod,status.phase=Running", true],
    ["metadata.namespace=prod,status.phase=Pending", false],
    ["spec.nodeName=node-1", true],
    ["spec.nodeName!=", true],
    ["spec.schedulerName=", true],
    ["spec.replicas=3", true],
    ["spec.hostNetwork=false", true],
    ["status.phase!=Succeeded,status.phase!=Failed", true],
    ["metadata=x", false],
  ])("given %j, returns matches=%s for a running pod", (sel, want) => {
    expect(parseFieldSelector(sel).matches(pod)).toBe(want);
  });

  it.each([
    ["metadata.name=a\\,b", "a,b", "metadata.name=a\\,b"],
    ["metadata.name=a\\=b\\\\c", "a=b\\c", "metadata.name=a\\=b\\\\c"],
    ["b=2,a!=1", "1", "a!=1,b=2"],
  ])("given %j, returns first value %j and string %j", (sel, value, str) => {
    const s = parseFieldSelector(sel);
    expect(s.terms[0]?.value).toBe(value);
    expect(s.toString()).toBe(str);
  });

  it("given an event source selector, returns a match on source.component", () => {
    const ev: KObject = { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, source: { component: "kubelet" } };
    expect(parseFieldSelector("source=kubelet").matches(ev)).toBe(true);
  });

  it.each([
    ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
    ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
    ["a==b=c", "invalid field selector: unescaped character in value: 61"],
  ])("given %j, throws 400 %j", (sel, message) => {
    const err = catchError(() => parseFieldSelector(sel));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });
});
