import type { LambdaNodeRuntime } from "@pipeline/wiring";
import type { LocalCredentials } from "../auth/LocalCredentials.js";

/** One deployed function as the local runtime runs it: its bundle, its environment and its limits. */
export interface LocalFunction {
  /** The function's name, as its log group and ARN show it. */
  name: string;
  /** The wiring's handler (`packages/functions/src/queues/worker.handler`). */
  handler: string;
  /** Lambda's `_HANDLER`: the bundle's module name and export (`worker.handler`). */
  handlerSetting: string;
  /** The folder the bundle is in (Lambda's `LAMBDA_TASK_ROOT`). */
  taskRoot: string;
  /** The built runtime client each container runs. */
  bootstrapFile: string;
  runtime: LambdaNodeRuntime;
  /** The function's own variables, as the stacks set them, with the local resources' values. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Its containers run at a lower scheduling priority, leaving the cores to the other functions first. */
  background: boolean;
  /** At most this many containers at once. */
  maxConcurrency: number;
  region: string;
  /** The execution role's credentials (the stack's key pair), set as Lambda sets the role's. */
  credentials: LocalCredentials;
  arn: string;
}
