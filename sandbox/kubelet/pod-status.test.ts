import { describe, expect, it } from "vitest";
import { podPhase, shouldRestart, type ContainerRecord, type PodRecord } from "./pod-status.ts";

const t = new Date("2026-01-01T00:00:00Z");
const running: ContainerRecord["state"] = { kind: "running", startedAt: t };
const exited = (exitCode: number): ContainerRecord["state"] => ({ kind: "terminated", exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt: t, finishedAt: t });
const creating: ContainerRecord["state"] = { kind: "waiting", reason: "ContainerCreating" };

function pod(policy: PodRecord["restartPolicy"], ...states: Array<ContainerRecord["state"]>): PodRecord {
  return {
    restartPolicy: policy,
    initContainers: [],
    initDone: true,
    containers: states.map((state, i) => ({ name: `c${i}`, image: "busybox", restartCount: 0, state })),
  };
}

describe("podPhase", () => {
  it.each([
    ["a container still being created", pod("Always", creating), "Pending"],
    ["all containers running", pod("Always", running, running), "Running"],
    ["Never, all exited 0", pod("Never", exited(0), exited(0)), "Succeeded"],
    ["Never, one exited 1", pod("Never", exited(0), exited(1)), "Failed"],
    ["OnFailure, one exited 1 (will restart)", pod("OnFailure", exited(1)), "Running"],
    ["OnFailure, exited 0", pod("OnFailure", exited(0)), "Succeeded"],
    ["Always, exited 0 (will restart)", pod("Always", exited(0)), "Running"],
    ["one running, one exited", pod("Never", running, exited(0)), "Running"],
  ])("given %s, returns %s", (_what, rec, phase) => {
    expect(podPhase(rec)).toBe(phase);
  });

  it("given a pod-level failure, returns Failed", () => {
    expect(podPhase({ ...pod("Always", creating), failed: { reason: "CreateContainerConfigError", message: "x" } })).toBe("Failed");
  });

  it("given init containers not done, returns Pending", () => {
    expect(podPhase({ ...pod("Always", creating), initDone: false })).toBe("Pending");
  });
});

describe("shouldRestart", () => {
  it.each([
    ["Always", 0, true],
    ["Always", 1, true],
    ["OnFailure", 0, false],
    ["OnFailure", 2, true],
    ["Never", 1, false],
  ] as const)("given %s and exit %i, returns %s", (policy, code, expected) => {
    expect(shouldRestart(policy, code)).toBe(expected);
  });
});
