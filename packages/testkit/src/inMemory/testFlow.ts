import type { FlowPolicy } from "@pipeline/core";

/**
 * The flow policy tests record outcomes with: a window wider than any test batch unless a test
 * sets its own, so tests of other behaviour see every upload released as they finish.
 */
export const TEST_FLOW: FlowPolicy = { defaultMaxInFlight: 1000, bulkShareWhileInteractive: 0.25, releaseLeaseSeconds: 60 };
