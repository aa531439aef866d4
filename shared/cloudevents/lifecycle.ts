// Readiness shared by the app (answers /health/readiness) and the server (drains on shutdown).
// Create one per process in main.ts and hand it to both createFunctionApp and serve.

export interface Lifecycle {
  /** True once shutdown began: readiness fails, in-flight requests still finish. */
  isDraining(): boolean;
  drain(): void;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  return {
    isDraining: () => draining,
    drain: () => {
      draining = true;
    },
  };
}
