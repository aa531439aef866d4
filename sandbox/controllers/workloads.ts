// The workload controllers: Deployment → ReplicaSet → Pod, and StatefulSet → Pod + PersistentVolumeClaim.
// Each runs on its own; WorkloadControllers starts and stops the three together.
import type { Controller, ControllerContext } from "./framework.ts";
import { DeploymentController } from "./deployment.ts";
import { ReplicaSetController } from "./replicaset.ts";
import { StatefulSetController } from "./statefulset.ts";

export { DeploymentController } from "./deployment.ts";
export { ReplicaSetController, decideReplicaSetPods, replicaSetStatus } from "./replicaset.ts";
export { StatefulSetController } from "./statefulset.ts";
export { decideStatefulSet, statefulSetStatus } from "./statefulset-plan.ts";
export { planDeploymentScale, deploymentStatus, rolloutLimits } from "./deployment-plan.ts";

export class WorkloadControllers implements Controller {
  readonly name = "workload-controllers";
  private readonly controllers: Controller[];

  constructor(ctx: ControllerContext) {
    this.controllers = [new DeploymentController(ctx), new ReplicaSetController(ctx), new StatefulSetController(ctx)];
  }

  start(): void {
    for (const c of this.controllers) c.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
  }
}
