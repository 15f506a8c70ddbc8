/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "media-batch-pipeline",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  // SST rejects top-level imports here: the stacks are loaded inside run().
  async run() {
    const { pipeline } = await import("./stacks/pipeline");
    return pipeline();
  },
});
