/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    // Production keeps its queues, bucket and logs when removed, and refuses `sst remove` outright.
    const production = input?.stage === "prod" || input?.stage === "production";
    return {
      name: "media-batch-pipeline",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  // SST rejects top-level imports here: the stacks are loaded inside run().
  async run() {
    const stacks = await import("./stacks/index");
    const secrets = stacks.secrets();
    const settings = stacks.stageSettings();
    const storage = stacks.storage();
    const queues = stacks.queues();
    const webSocket = stacks.webSocketApi();
    const resources = { queues, storage, secrets, settings, webSocket };
    stacks.webSocketRoutes(resources);
    const roles = stacks.subscribers(resources);
    const reconcilerRole = stacks.reconciler(resources);
    // Only the functions that send (the WebSocket routes send nothing) and the stage's operators may.
    stacks.queuePolicies({ queues, senders: stacks.queueSenders(), functionRoles: [roles.fanout, roles.worker, roles.finalizer, reconcilerRole] });
    return stacks.outputs({ queues, storage, webSocket });
  },
});
