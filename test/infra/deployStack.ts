import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FakeFunction, FakeOutput, FakeSecret, installSstStandIns, resolveDeep, type Args, type Recording, type SstConfig } from "./sstStandIns.js";
import { REPOSITORY_ROOT } from "@pipeline/local";


export const STAGE_SECRETS = {
  DatabaseUrl: "postgresql://pipeline:s3cret@ep-quiet-sky-123456-pooler.us-east-1.aws.neon.tech/pipeline?sslmode=require",
  AuthSecret: "k4N9w2Qx7LrT5vB8yZ3mC6pH1sD0fG4jE7uA2nR9",
};

export interface Deployment {
  config: SstConfig;
  recording: Recording;
  outputs: Record<string, unknown>;
}

/** Evaluates sst.config.ts's run() against the stand-ins, as `sst deploy` would on AWS. */
export async function deploy(options: { stage?: string; secretValues?: Record<string, string> } = {}): Promise<Deployment> {
  const recording = installSstStandIns({ secretValues: STAGE_SECRETS, ...options });
  // A computed specifier: the main tsconfig must not follow it into SST's platform types.
  const module = (await import(pathToFileURL(join(REPOSITORY_ROOT, "sst.config.ts")).href)) as { default: SstConfig };
  const outputs = resolveDeep(await module.default.run()) as Record<string, unknown>;
  return { config: module.default, recording, outputs };
}

export interface DeployedFunction {
  trigger: string;
  args: Args;
}

/** Every function the stage deploys, with what triggers it: a queue, a WebSocket route or the schedule. */
export function deployedFunctions(recording: Recording): DeployedFunction[] {
  const functions: DeployedFunction[] = [];
  for (const queue of recording.queues) {
    if (queue.subscription) functions.push({ trigger: `queue ${queue.componentName}`, args: functionArgs(recording, queue.subscription.subscriber) });
  }
  for (const api of recording.webSocketApis) {
    for (const route of api.routes) functions.push({ trigger: `route ${route.route}`, args: functionArgs(recording, route.handler) });
  }
  for (const cron of recording.crons) functions.push({ trigger: `cron ${cron.componentName}`, args: functionArgs(recording, cron.args.function ?? cron.args.job) });
  return functions;
}

/** A subscriber, route handler or cron job as SST accepts it: a handler path, function arguments, or a function's ARN. */
export function functionArgs(recording: Recording, target: unknown): Args {
  if (typeof target === "string") return { handler: target };
  if (target instanceof FakeFunction) return target.args;
  if (target instanceof FakeOutput) {
    const arn = target.resolve();
    const fn = recording.functions.find((candidate) => candidate.arn.resolve() === arn);
    if (!fn) throw new Error(`no function with ARN ${String(arn)}`);
    return fn.args;
  }
  if (typeof target === "object" && target !== null) return target as Args;
  throw new Error(`not a function: ${String(target)}`);
}

/** The function deployed for a handler path; its triggers are listed in `triggers`. */
export function functionFor(recording: Recording, handler: string): DeployedFunction & { triggers: string[] } {
  const matches = deployedFunctions(recording).filter((fn) => fn.args.handler === handler);
  const first = matches[0];
  if (!first) throw new Error(`no deployed function runs ${handler}`);
  return { ...first, triggers: matches.map((fn) => fn.trigger) };
}

/** The environment SST deploys a function with; every value a non-empty string. */
export function environmentOf(fn: DeployedFunction): Record<string, string> {
  const environment = resolveDeep(fn.args.environment ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(environment)) {
    if (typeof value !== "string" || value === "") throw new Error(`${fn.trigger}: ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return environment as Record<string, string>;
}

/** The stage secrets linked to a function (SST ships them encrypted in its package). */
export function linkedSecrets(fn: DeployedFunction): FakeSecret[] {
  return ((fn.args.link ?? []) as unknown[]).filter((link): link is FakeSecret => link instanceof FakeSecret);
}

/** What `Resource.<Name>.value` gives the function: each linked secret's value for the stage (deploying fails on a missing one). */
export function linkedSecretValues(fn: DeployedFunction): Record<string, string> {
  return Object.fromEntries(linkedSecrets(fn).map((secret) => [secret.componentName, String(secret.value.resolve())]));
}
