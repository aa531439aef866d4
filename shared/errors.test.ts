import { describe, expect, it } from "vitest";
import { ApiException } from "@kubernetes/client-node";
import {
  asTransient,
  classifyKubeError,
  EventContractError,
  InvalidEventError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  isTransient,
  replyStatusFor,
  TransientError,
} from "./errors.ts";

/** What client-node 1.x throws: the Status as a JSON string body. */
const apiError = (code: number, reason?: string): ApiException<string> =>
  new ApiException(code, "Unsuccessful HTTP Request", JSON.stringify({ kind: "Status", code, reason, message: `${reason ?? "x"} happened` }), {});

const systemError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe("classifyKubeError", () => {
  it.each([
    ["404 NotFound", apiError(404, "NotFound"), "not-found"],
    ["409 AlreadyExists", apiError(409, "AlreadyExists"), "already-exists"],
    ["409 Conflict", apiError(409, "Conflict"), "conflict"],
    ["422 Invalid", apiError(422, "Invalid"), "invalid"],
    ["400 BadRequest", apiError(400, "BadRequest"), "invalid"],
    ["403 Forbidden", apiError(403, "Forbidden"), "forbidden"],
    ["401 with no body", new ApiException(401, "Unauthorized", undefined, {}), "forbidden"],
    ["410 Expired", apiError(410, "Expired"), "gone"],
    ["408 Timeout", apiError(408), "transient"],
    ["429 TooManyRequests", apiError(429, "TooManyRequests"), "transient"],
    ["500 InternalError", apiError(500, "InternalError"), "transient"],
    ["503 with a non-JSON body", new ApiException(503, "x", "upstream connect error", {}), "transient"],
    ["ECONNREFUSED", systemError("ECONNREFUSED"), "transient"],
    ["fetch failed caused by ECONNRESET", new TypeError("fetch failed", { cause: systemError("ECONNRESET") }), "transient"],
    ["a node-fetch system FetchError", Object.assign(new Error("request failed"), { name: "FetchError", type: "system" }), "transient"],
    ["a timeout", Object.assign(new Error("aborted"), { name: "TimeoutError" }), "transient"],
    ["a bug", new TypeError("x is undefined"), "unknown"],
    ["a string code that is not network", systemError("ERR_INVALID_ARG_TYPE"), "unknown"],
    ["a thrown string", "boom", "unknown"],
  ])("given %s, returns kind %s", (_what, err, kind) => {
    expect(classifyKubeError(err).kind).toBe(kind);
  });

  it("given a Status body, returns its reason and message", () => {
    expect(classifyKubeError(apiError(409, "AlreadyExists"))).toEqual({
      kind: "already-exists",
      status: 409,
      reason: "AlreadyExists",
      message: "AlreadyExists happened",
    });
  });
});

describe("predicates", () => {
  it.each([
    ["isNotFound", isNotFound, apiError(404, "NotFound"), true],
    ["isNotFound", isNotFound, apiError(409, "AlreadyExists"), false],
    ["isAlreadyExists", isAlreadyExists, apiError(409, "AlreadyExists"), true],
    ["isAlreadyExists", isAlreadyExists, apiError(409, "Conflict"), false],
    ["isConflict", isConflict, apiError(409, "Conflict"), true],
    ["isTransient", isTransient, new TransientError("busy"), true],
    ["isTransient", isTransient, apiError(503), true],
    ["isTransient", isTransient, apiError(404, "NotFound"), false],
  ])("given %s and %s, returns %s", (_name, predicate, err, expected) => {
    expect(predicate(err)).toBe(expected);
  });
});

describe("replyStatusFor", () => {
  it.each([
    ["InvalidEventError", new InvalidEventError("bad"), 400],
    ["TransientError", new TransientError("later"), 503],
    ["EventContractError (our bug, not the sender's)", new EventContractError("x"), 503],
    ["a Kubernetes 404 (never passed through)", apiError(404, "NotFound"), 503],
    ["a Kubernetes 409 (never passed through)", apiError(409, "AlreadyExists"), 503],
    ["a plain Error", new Error("x"), 503],
  ])("given %s, returns %d", (_what, err, status) => {
    expect(replyStatusFor(err)).toBe(status);
  });
});

describe("asTransient", () => {
  it("given a Kubernetes error, returns a TransientError naming the step and status, keeping the cause", () => {
    const cause = apiError(500, "InternalError");
    const err = asTransient(cause, "creating VolumeSnapshot app/r-data");
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe("creating VolumeSnapshot app/r-data: 500 InternalError: InternalError happened");
    expect(err.cause).toBe(cause);
  });

  it("given a TransientError, returns it unchanged", () => {
    const err = new TransientError("x", { retryAfterSeconds: 5 });
    expect(asTransient(err, "y")).toBe(err);
  });
});
