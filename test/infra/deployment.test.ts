import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { requeueDelaySeconds } from "@pipeline/core";
import { readFanoutConfig, readFinalizerConfig, readReconcilerConfig, readWebSocketConfig, readWorkerConfig } from "@pipeline/functions";
import { createQueues } from "@pipeline/local";
import { environments, objectKeys, runtimeMajor, secretResourceNames, variables, wiring, type EnvironmentName, type FunctionName, type QueueName, type Variable } from "@pipeline/wiring";
import { describe, expect, it } from "vitest";
import rootPackage from "../../package.json";
import mediaPackage from "../../packages/media/package.json";
import { deploy, deployedFunctions, environmentOf, functionArgs, functionFor, linkedSecrets, linkedSecretValues, STAGE_SECRETS, type DeployedFunction } from "./deployStack.js";
import { FakeBucket, FakeQueue, FakeSecret, FakeWebSocketApi, resolveDeep, type Args, type FakeQueuePolicy, type Recording } from "./sstStandIns.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** The main queue and dead-letter queue of each wiring queue, found through the function subscribed to it. */
function queuePairs(recording: Recording): Record<QueueName, { queue: FakeQueue; dlq: FakeQueue }> {
  const pairs: Partial<Record<QueueName, { queue: FakeQueue; dlq: FakeQueue }>> = {};
  for (const queue of recording.queues) {
    if (!queue.subscription) continue;
    const handler = functionArgs(recording, queue.subscription.subscriber).handler;
    const name = Object.values(wiring.functions).find((fn) => fn.handler === handler)?.queue;
    if (!name) throw new Error(`queue ${queue.componentName} is subscribed by ${String(handler)}, which the wiring does not know`);
    const dlqArn = (resolveDeep(queue.args.dlq) as { queue?: string } | undefined)?.queue;
    const dlq = recording.queues.find((candidate) => candidate.arn.resolve() === dlqArn);
    if (!dlq) throw new Error(`queue ${queue.componentName} has no dead-letter queue`);
    pairs[name] = { queue, dlq };
  }
  return pairs as Record<QueueName, { queue: FakeQueue; dlq: FakeQueue }>;
}

/** SST's `transform` entries: arguments merged in, or a function that edits them. */
function transformed(transform: unknown, base: Args = {}): Args {
  const args = structuredClone(base);
  if (typeof transform === "function") {
    (transform as (args: Args) => void)(args);
    return resolveDeep(args) as Args;
  }
  return resolveDeep({ ...args, ...(transform as Args | undefined) }) as Args;
}

function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => (typeof current === "object" && current !== null ? (current as Args)[key] : undefined), value);
}

/** `Resource.<Name>.value` as the function sees it: the values of the secrets linked to it. */
function secretSource(fn: DeployedFunction): (name: string) => string | undefined {
  const values = linkedSecretValues(fn);
  return (name) => values[name];
}

const UNIT_SECONDS: Record<string, number> = { second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600 };

function seconds(duration: unknown): number {
  const match = /^(\d+) (seconds?|minutes?|hours?)$/.exec(String(resolveDeep(duration)));
  if (!match?.[1] || !match[2]) throw new Error(`not an SST duration: ${String(duration)}`);
  return Number(match[1]) * (UNIT_SECONDS[match[2]] ?? NaN);
}

function megabytes(size: unknown): number {
  const match = /^(\d+) MB$/.exec(String(resolveDeep(size)));
  if (!match?.[1]) throw new Error(`not an SST size in MB: ${String(size)}`);
  return Number(match[1]);
}

/** Names for the resources a grant can point at: `uploads`, `uploads DLQ`, `bucket/uploads/*`, `websocket`. */
function resourceLabels(recording: Recording): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [name, { queue, dlq }] of Object.entries(queuePairs(recording))) {
    labels.set(String(queue.arn.resolve()), name);
    labels.set(String(dlq.arn.resolve()), `${name} DLQ`);
  }
  for (const bucket of recording.buckets) {
    labels.set(String(bucket.arn.resolve()), "bucket");
    labels.set(`${String(bucket.arn.resolve())}/*`, "bucket/*");
    for (const prefix of Object.values(objectKeys)) labels.set(`${String(bucket.arn.resolve())}/${prefix}*`, `bucket/${prefix}*`);
  }
  return labels;
}

/** What a function may do, as `action resource` lines, from its links and its permissions. */
function grantsOf(recording: Recording, fn: DeployedFunction): string[] {
  const labels = resourceLabels(recording);
  const grants: string[] = [];
  for (const link of (fn.args.link ?? []) as unknown[]) {
    // What SST's links grant: the API's ManageConnections, everything on a queue or bucket.
    if (link instanceof FakeWebSocketApi) grants.push("execute-api:ManageConnections websocket");
    else if (link instanceof FakeQueue) grants.push(`sqs:* ${labels.get(String(link.arn.resolve())) ?? link.componentName}`);
    else if (link instanceof FakeBucket) grants.push("s3:* bucket");
    // A linked secret grants nothing: SST ships its value, encrypted, in the function's package.
    else if (link instanceof FakeSecret) continue;
    else grants.push(`link ${String(link)}`);
  }
  const permissions = resolveDeep(fn.args.permissions ?? []) as Array<{ actions: string[]; resources: string[]; effect?: string }>;
  for (const permission of permissions) {
    expect(permission.effect ?? "allow", `${fn.trigger}: permissions only allow`).toBe("allow");
    for (const action of permission.actions) {
      for (const resource of permission.resources) grants.push(`${action} ${labels.get(resource) ?? resource}`);
    }
  }
  return grants.sort();
}

/** A SendMessage request as IAM evaluates it against a queue's policy. */
interface SendRequest {
  principalArn: string;
  secureTransport: boolean;
}

/** Whether the queue policy's Deny statements refuse the request (the statements' conditions, as IAM reads them). */
function policyDeniesSend(policy: FakeQueuePolicy, request: SendRequest): boolean {
  return policy.document.Statement.some(
    (statement) => statement.Effect === "Deny" && ["sqs:SendMessage", "sqs:*"].includes(String(statement.Action)) && conditionsHold(statement.Condition, request),
  );
}

function conditionsHold(condition: unknown, request: SendRequest): boolean {
  return Object.entries((condition ?? {}) as Record<string, Record<string, unknown>>).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const values = [expected].flat().map(String);
      switch (`${operator} ${key}`) {
        case "ArnNotLike aws:PrincipalArn":
          return !values.some((pattern) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.?+^$()[\]{}|\\/]/g, "\\$&")).join(".*")}$`).test(request.principalArn));
        case "Null aws:PrincipalServiceName":
          // A role's request carries no service name.
          return values[0] === "true";
        case "Bool aws:SecureTransport":
          return values[0] === String(request.secureTransport);
        default:
          throw new Error(`the test does not evaluate the condition ${operator} ${key}`);
      }
    }),
  );
}

/** The execution role of every function that sends to a queue, by function name. */
function senderRoles(recording: Recording): Record<string, string> {
  const roles: Record<string, string> = {};
  for (const name of functionNames) roles[name] = queuePairs(recording)[wiring.functions[name].queue].queue.subscriberRoleArn;
  const [cron] = recording.crons;
  if (cron) roles.reconciler = cron.roleArn;
  return roles;
}

/** The policy set on a queue, found by its URL. */
function policyOf(recording: Recording, queue: FakeQueue): FakeQueuePolicy {
  const found = recording.queuePolicies.filter((policy) => policy.queueUrl === queue.url.resolve());
  expect(found, `${queue.componentName} has one policy`).toHaveLength(1);
  return found[0] as FakeQueuePolicy;
}

/** Runs `fn` with these variables set in the environment `sst deploy` runs in, as `.env.<stage>` sets them. */
async function withEnvironment<T>(values: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(next)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const deployment = await deploy();
const { recording } = deployment;
const queues = queuePairs(recording);
const queueNames = Object.keys(wiring.queues) as QueueName[];
const functionNames = Object.keys(wiring.functions) as FunctionName[];
const [api] = recording.webSocketApis;
const [bucket] = recording.buckets;

describe("sst.config.ts app()", () => {
  it("retains and protects production, and removes any other stage", () => {
    for (const stage of ["prod", "production"]) {
      expect(deployment.config.app({ stage })).toMatchObject({ name: "media-batch-pipeline", home: "aws", removal: "retain", protect: true });
    }
    for (const stage of ["dev", "pr-42", "test"]) {
      expect(deployment.config.app({ stage })).toMatchObject({ removal: "remove", protect: false });
    }
  });
});

describe("runtime", () => {
  it("deploys every function on the wiring's runtime, the Node major these tests run on", () => {
    const runtimes = new Set(deployedFunctions(recording).map((fn) => fn.args.runtime));
    expect([...runtimes]).toEqual([wiring.runtime]);
    expect(runtimeMajor(wiring.runtime), `tests run on Node ${process.versions.node}`).toBe(Number(process.versions.node.split(".")[0]));
  });

  it("installs that Node major with npm ci, and declares it as the project's engine", () => {
    const major = runtimeMajor(wiring.runtime);
    expect(rootPackage.devDependencies.node.split(".")[0]).toBe(String(major));
    expect(rootPackage.engines.node).toBe(`${major}.x`);
  });
});

describe("queues", () => {
  it("deploys every queue of the wiring with a dead-letter queue that takes its messages after maxReceiveCount receives", () => {
    expect(recording.queues).toHaveLength(2 * queueNames.length);
    expect(Object.keys(queues).sort()).toEqual([...queueNames].sort());
    for (const name of queueNames) {
      const { queue, dlq } = queues[name];
      expect(resolveDeep(queue.args.dlq), name).toEqual({ queue: dlq.arn.resolve(), retry: wiring.queues[name].maxReceiveCount });
      expect(dlq.args.dlq, `${name} DLQ has no DLQ of its own`).toBeUndefined();
      expect(dlq.subscription, `nothing consumes ${name} DLQ: operators redrive it`).toBeUndefined();
    }
  });

  it("takes visibility and retention from the wiring, as the local runtime's createQueues does", async () => {
    const created = new Map<string, Record<string, string>>();
    const localSqs = {
      async send(command: { input: { QueueName?: string; QueueUrl?: string; Attributes?: Record<string, string> } }) {
        const { QueueName: queueName, QueueUrl: queueUrl, Attributes: attributes } = command.input;
        if (queueName) {
          created.set(queueName, attributes ?? {});
          return { QueueUrl: `http://sqs.local/${queueName}` };
        }
        return { Attributes: { QueueArn: `arn:aws:sqs:local:000000000000:${String(queueUrl).split("/").pop()}` } };
      },
    } as unknown as SQSClient;
    const local = await createQueues(localSqs, wiring);

    for (const name of queueNames) {
      const { queue, dlq } = queues[name];
      const settings = wiring.queues[name];
      const localQueue = created.get(name) ?? {};
      const localDlq = created.get(local[name].dlqUrl.split("/").pop() ?? "") ?? {};

      expect(seconds(queue.args.visibilityTimeout), name).toBe(settings.visibilityTimeoutSeconds);
      expect(seconds(queue.args.visibilityTimeout), name).toBe(Number(localQueue.VisibilityTimeout));
      expect(at(transformed(at(queue.args, "transform", "queue")), "messageRetentionSeconds"), name).toBe(settings.messageRetentionSeconds);
      expect(Number(localQueue.MessageRetentionPeriod), name).toBe(settings.messageRetentionSeconds);
      expect(at(transformed(at(dlq.args, "transform", "queue")), "messageRetentionSeconds"), `${name} DLQ`).toBe(settings.deadLetterRetentionSeconds);
      expect(Number(localDlq.MessageRetentionPeriod), `${name} DLQ`).toBe(settings.deadLetterRetentionSeconds);
      expect(JSON.parse(localQueue.RedrivePolicy ?? "{}"), name).toMatchObject({ maxReceiveCount: at(queue.args.dlq, "retry") });
    }
  });
});

describe("queue subscribers", () => {
  it.each(functionNames)("%s runs the wiring's handler on its queue with its batch, window, concurrency, timeout and memory", (name) => {
    const settings = wiring.functions[name];
    const { queue } = queues[settings.queue];
    const subscription = queue.subscription;
    if (!subscription) throw new Error(`${settings.queue} has no subscriber`);
    const fn = { trigger: `queue ${queue.componentName}`, args: functionArgs(recording, subscription.subscriber) };

    expect(fn.args.handler).toBe(settings.handler);
    expect(fn.args.runtime).toBe(wiring.runtime);
    expect(seconds(fn.args.timeout)).toBe(settings.timeoutSeconds);
    expect(megabytes(fn.args.memory)).toBe(settings.memoryMb);

    const batch = resolveDeep(subscription.args.batch) as Args;
    expect(batch.size).toBe(settings.batchSize);
    expect(seconds(batch.window)).toBe(settings.batchingWindowSeconds);
    expect(batch.partialResponses, "failed records come back alone, through batchItemFailures").toBe(true);
    const mapping = transformed(at(subscription.args, "transform", "eventSourceMapping"));
    expect(at(mapping, "scalingConfig", "maximumConcurrency")).toBe(settings.maxConcurrency);
  });

  it.each(functionNames)("%s: its queue's visibility timeout is at least 6x the function's timeout", (name) => {
    const settings = wiring.functions[name];
    const { queue } = queues[settings.queue];
    const fn = functionArgs(recording, queue.subscription?.subscriber);
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(6 * seconds(fn.timeout));
  });

  it.each(functionNames)("%s finds its own queue and DLQ in its environment", (name) => {
    const settings = wiring.functions[name];
    const { queue, dlq } = queues[settings.queue];
    const environment = environmentOf(functionFor(recording, settings.handler));
    const prefix = settings.queue.toUpperCase();
    expect(environment[`${prefix}_QUEUE_URL`]).toBe(queue.url.resolve());
    if (`${prefix}_DLQ_URL` in environment) expect(environment[`${prefix}_DLQ_URL`]).toBe(dlq.url.resolve());
  });
});

describe("WebSocket API", () => {
  it("routes $connect, $disconnect, $default and subscribe to the wiring's handlers", () => {
    expect(recording.webSocketApis).toHaveLength(1);
    if (!api) throw new Error("no WebSocket API");
    expect(api.routes.map((route) => route.route).sort()).toEqual(Object.keys(wiring.webSocket.routes).sort());
    for (const route of api.routes) {
      const fn = functionArgs(recording, route.handler);
      expect(fn.handler, route.route).toBe(wiring.webSocket.routes[route.route as keyof typeof wiring.webSocket.routes]);
      expect(fn.runtime, route.route).toBe(wiring.runtime);
      expect(seconds(fn.timeout), route.route).toBe(wiring.webSocket.timeoutSeconds);
      expect(megabytes(fn.memory), route.route).toBe(wiring.webSocket.memoryMb);
    }
  });

  it("throttles every route of its stage to the wiring's rate and burst", () => {
    if (!api) throw new Error("no WebSocket API");
    const stage = transformed(at(api.args, "transform", "stage"));
    const { rateLimitPerSecond, burstLimit } = wiring.webSocket.stageThrottling;
    expect(at(stage, "defaultRouteSettings")).toEqual({ throttlingRateLimit: rateLimitPerSecond, throttlingBurstLimit: burstLimit });
    expect(rateLimitPerSecond).toBeGreaterThan(0);
    expect(burstLimit).toBeGreaterThanOrEqual(rateLimitPerSecond);
  });

  it("verifies tokens with the stage's secret by default, and against the identity provider a stage names in jwks mode", async () => {
    const handler = wiring.webSocket.routes.$connect;
    const stageSecrets = (name: string) => (STAGE_SECRETS as Record<string, string | undefined>)[name];
    expect(readWebSocketConfig(environmentOf(functionFor(recording, handler)), stageSecrets).AUTH_MODE).toBe("hs256");
    const provider = {
      AUTH_MODE: "jwks",
      AUTH_JWKS_URL: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json",
      AUTH_ISSUER: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
      AUTH_AUDIENCE: "4example5clientid6",
    };

    const jwks = await withEnvironment(provider, () => deploy());

    for (const route of Object.keys(wiring.webSocket.routes) as Array<keyof typeof wiring.webSocket.routes>) {
      expect(readWebSocketConfig(environmentOf(functionFor(jwks.recording, wiring.webSocket.routes[route])), stageSecrets), route).toMatchObject(provider);
    }
    await expect(withEnvironment({ ...provider, AUTH_AUDIENCE: undefined }, () => deploy()), "jwks mode without an audience").rejects.toThrow("AUTH_AUDIENCE");
    await expect(withEnvironment({ AUTH_MODE: "none" }, () => deploy()), "an unknown mode").rejects.toThrow("AUTH_MODE");
  });

  it("gives every function that pushes the management endpoint, not the client URL", () => {
    if (!api) throw new Error("no WebSocket API");
    const endpoint = api.managementEndpoint.resolve();
    expect(endpoint).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/.+$/);
    for (const fn of deployedFunctions(recording)) {
      const environment = environmentOf(fn);
      if ("WS_MANAGEMENT_ENDPOINT" in environment) expect(environment.WS_MANAGEMENT_ENDPOINT, fn.trigger).toBe(endpoint);
    }
  });
});

describe("reconciler", () => {
  it("runs the wiring's handler on a schedule of its interval, within its timeout and memory", () => {
    expect(recording.crons).toHaveLength(1);
    const [cron] = recording.crons;
    if (!cron) throw new Error("no cron");
    const settings = wiring.reconciler;
    expect(cron.args.schedule).toBe(`rate(${settings.intervalMinutes} minutes)`);
    const fn = functionArgs(recording, cron.args.function ?? cron.args.job);
    expect(fn.handler).toBe(settings.handler);
    expect(fn.runtime).toBe(wiring.runtime);
    expect(seconds(fn.timeout)).toBe(settings.timeoutSeconds);
    expect(seconds(fn.timeout), "one run ends before the next starts").toBeLessThan(settings.intervalMinutes * 60);
    expect(megabytes(fn.memory)).toBe(settings.memoryMb);
  });

  it("calls work lost only after the longest wait a live message may have, stalled only after that, with the wiring's thresholds deployed", () => {
    const { lostAfterSeconds, stalledAfterSeconds } = wiring.reconciler;
    // A live message may be invisible for its visibility timeout (a worker died holding it), delayed
    // by a retry's backoff, or requeued with a delay while a dependency is down.
    const longestLiveWait = Math.max(
      wiring.queues.batches.visibilityTimeoutSeconds,
      wiring.queues.uploads.visibilityTimeoutSeconds,
      wiring.uploadRetryBackoff.maxSeconds,
      requeueDelaySeconds(wiring.requeue.maxRequeues, wiring.requeue),
    );
    expect(lostAfterSeconds).toBeGreaterThan(longestLiveWait);
    expect(stalledAfterSeconds).toBeGreaterThan(lostAfterSeconds);
    const reconcilerFn = functionFor(recording, wiring.reconciler.handler);
    const config = readReconcilerConfig(environmentOf(reconcilerFn), secretSource(reconcilerFn));
    expect(config.RECONCILE_LOST_AFTER_SECONDS).toBe(lostAfterSeconds);
    expect(config.RECONCILE_STALLED_AFTER_SECONDS).toBe(stalledAfterSeconds);
  });
});

describe("handlers", () => {
  const handlers = [...new Set(deployedFunctions(recording).map((fn) => String(fn.args.handler)))].sort();

  it("every function is triggered by something, and the wiring's every handler is deployed", () => {
    for (const fn of recording.functions) {
      expect(deployedFunctions(recording).some((deployed) => deployed.args === fn.args), fn.componentName).toBe(true);
    }
    const wired = [
      ...Object.values(wiring.functions).map((fn) => fn.handler),
      ...Object.values(wiring.webSocket.routes),
      wiring.reconciler.handler,
    ];
    expect(handlers).toEqual([...new Set(wired)].sort());
  });

  it.each(handlers)("%s exists relative to the repository root and exports the named function", async (handler) => {
    const dot = handler.lastIndexOf(".");
    const file = join(ROOT, `${handler.slice(0, dot)}.ts`);
    const exportName = handler.slice(dot + 1);
    expect(existsSync(file), `${file} exists`).toBe(true);
    // Handlers build their dependencies on first call: importing reads no environment and opens no connection.
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    expect(typeof module[exportName]).toBe("function");
  });

  it("no function fixes its physical name, so stages in one account do not collide", () => {
    for (const fn of deployedFunctions(recording)) expect(fn.args.name, fn.trigger).toBeUndefined();
  });
});

describe("function environments", () => {
  const readers: Array<[string, string, (env: Record<string, string | undefined>, secrets: (name: string) => string | undefined) => object]> = [
    ["fanout", wiring.functions.fanout.handler, readFanoutConfig],
    ["worker", wiring.functions.worker.handler, readWorkerConfig],
    ["finalizer", wiring.functions.finalizer.handler, readFinalizerConfig],
    ["reconciler", wiring.reconciler.handler, readReconcilerConfig],
    ...[...new Set(Object.values(wiring.webSocket.routes))].map((handler): [string, string, typeof readWebSocketConfig] => [handler, handler, readWebSocketConfig]),
  ];

  it.each(readers)("%s: its environment and linked secrets satisfy its configuration reader, and every variable is one it reads", (_name, handler, read) => {
    const fn = functionFor(recording, handler);
    const environment = environmentOf(fn);
    const config = read(environment, secretSource(fn));
    for (const variable of Object.keys(environment)) expect(config, `${variable} is read`).toHaveProperty(variable);
  });

  const contracts: Array<[EnvironmentName, string]> = [
    ["fanout", wiring.functions.fanout.handler],
    ["worker", wiring.functions.worker.handler],
    ["finalizer", wiring.functions.finalizer.handler],
    ["reconciler", wiring.reconciler.handler],
    ...[...new Set(Object.values(wiring.webSocket.routes))].map((handler): [EnvironmentName, string] => ["webSocket", handler]),
  ];

  it.each(contracts)("%s is deployed with exactly what its contract names, each from the resource the contract says", (name, handler) => {
    if (!bucket || !api) throw new Error("no bucket or API");
    const environment = environmentOf(functionFor(recording, handler));
    // Lambda sets the region; local engines and tuning overrides are not deployed; secrets are
    // linked; a stage setting only when the stage sets it (this one sets none).
    const deployed = environments[name].filter((variable) => {
      const spec = variables[variable];
      return spec.from !== "region" && spec.from !== "localEngine" && spec.from !== "tuning" && spec.from !== "secret" && spec.from !== "stageSetting";
    });
    expect(Object.keys(environment).sort()).toEqual([...deployed].sort());
    for (const variable of deployed) {
      const spec: Variable = variables[variable];
      const expected =
        spec.from === "queueUrl" ? queues[spec.queue].queue.url.resolve()
        : spec.from === "deadLetterQueueUrl" ? queues[spec.queue].dlq.url.resolve()
        : spec.from === "bucket" ? bucket.name.resolve()
        : spec.from === "managementEndpoint" ? api.managementEndpoint.resolve()
        : `${variable} is not deployed`;
      expect(environment[variable], variable).toBe(expected);
    }
  });

  it.each(contracts)("%s: no secret is in its environment, and exactly the secrets its contract reads are linked to it", async (name, handler) => {
    // Prepare: a stage that sets every secret, so each has a value to look for.
    const everySecret = { ...STAGE_SECRETS, AiBaseUrl: "http://ollama.internal:11434", AiVisionModel: "llava:13b-private", AiEmbeddingModel: "embed-private" };
    const stage = await deploy({ secretValues: everySecret });
    const fn = functionFor(stage.recording, handler);

    // Act
    const environment = environmentOf(fn);
    const linked = linkedSecrets(fn).map((secret) => secret.componentName);

    // Assess: no secret variable's name and no secret's value, whole or in part of a value...
    const secretVariables = Object.keys(variables).filter((variable) => variables[variable as keyof typeof variables].from === "secret");
    for (const variable of secretVariables) expect(environment, variable).not.toHaveProperty(variable);
    for (const [variable, text] of Object.entries(environment)) {
      for (const value of Object.values(everySecret)) expect(text, `${variable} holds a secret`).not.toContain(value);
    }
    // ...and each secret its reader takes linked, nothing more.
    const read = new Set(environments[name].flatMap((variable) => {
      const spec: Variable = variables[variable];
      return spec.from === "secret" ? [secretResourceNames[spec.secret]] : [];
    }));
    expect(linked.sort()).toEqual([...read].sort());
  });

  it("the reconciler finds every queue and DLQ in its environment", () => {
    const reconcilerFn = functionFor(recording, wiring.reconciler.handler);
    const config = readReconcilerConfig(environmentOf(reconcilerFn), secretSource(reconcilerFn));
    for (const name of queueNames) {
      expect(config[`${name.toUpperCase() as Uppercase<QueueName>}_QUEUE_URL`]).toBe(queues[name].queue.url.resolve());
      expect(config[`${name.toUpperCase() as Uppercase<QueueName>}_DLQ_URL`]).toBe(queues[name].dlq.url.resolve());
    }
  });

  it("the worker processes real media from the bucket, with the built-in AI when no AI server is set", () => {
    const worker = functionFor(recording, wiring.functions.worker.handler);
    const config = readWorkerConfig(environmentOf(worker), secretSource(worker));
    expect(config.MEDIA_BUCKET).toBe(bucket?.name.resolve());
    expect(config.AI_BASE_URL).toBeUndefined();
    // sharp's native binary cannot be bundled: it is installed for Lambda's platform.
    expect(at(worker.args, "nodejs", "install", "sharp")).toBe(mediaPackage.dependencies.sharp);
  });

  it("the worker gets the AI settings a stage sets", async () => {
    const withAi = await deploy({ secretValues: { ...STAGE_SECRETS, AiBaseUrl: "http://ollama.internal:11434", AiVisionModel: "llava:13b" } });
    const worker = functionFor(withAi.recording, wiring.functions.worker.handler);
    const config = readWorkerConfig(environmentOf(worker), secretSource(worker));
    expect(config).toMatchObject({ AI_BASE_URL: "http://ollama.internal:11434", AI_VISION_MODEL: "llava:13b", AI_EMBEDDING_MODEL: "mxbai-embed-large" });
  });

  it("a stage without DatabaseUrl or AuthSecret does not deploy", async () => {
    for (const missing of ["DatabaseUrl", "AuthSecret"] as const) {
      const secretValues: Record<string, string> = { ...STAGE_SECRETS };
      delete secretValues[missing];
      const incomplete = await deploy({ secretValues });
      expect(() => deployedFunctions(incomplete.recording).map(linkedSecretValues), missing).toThrow(missing);
    }
  });
});

describe("least privilege", () => {
  const sendToQueues = (...labels: string[]) => labels.map((label) => `sqs:SendMessage ${label}`);
  const manageConnections = "execute-api:ManageConnections websocket";
  const parkLargeDeadLetters = `s3:PutObject bucket/${objectKeys.deadLettersPrefix}*`;
  const expected: Array<[string, string, string[]]> = [
    ["fanout", wiring.functions.fanout.handler, [...sendToQueues("uploads", "batches", "progress", "batches DLQ"), parkLargeDeadLetters]],
    [
      "worker",
      wiring.functions.worker.handler,
      [
        "sqs:ChangeMessageVisibility uploads",
        ...sendToQueues("uploads DLQ", "progress", "uploads", "batches"),
        `s3:GetObject bucket/${objectKeys.uploadsPrefix}*`,
        `s3:PutObject bucket/${objectKeys.thumbnailsPrefix}*`,
        "s3:ListBucket bucket",
        parkLargeDeadLetters,
      ],
    ],
    ["finalizer", wiring.functions.finalizer.handler, [...sendToQueues("progress DLQ", "progress"), manageConnections, parkLargeDeadLetters]],
    ["$connect", wiring.webSocket.routes.$connect, []],
    ["$disconnect", wiring.webSocket.routes.$disconnect, []],
    ["$default and subscribe", wiring.webSocket.routes.$default, [manageConnections]],
    [
      "reconciler",
      wiring.reconciler.handler,
      [
        ...sendToQueues("batches", "uploads", "progress"),
        ...queueNames.flatMap((name) => [`sqs:ReceiveMessage ${name} DLQ`, `sqs:ChangeMessageVisibility ${name} DLQ`]),
        manageConnections,
      ],
    ],
  ];

  it.each(expected)("%s is granted exactly what its code uses", (_name, handler, grants) => {
    expect(grantsOf(recording, functionFor(recording, handler))).toEqual([...grants].sort());
  });

  it("every function can reach only resources named in its environment", () => {
    if (!api || !bucket) throw new Error("no API or bucket");
    const addresses = new Map<string, string>([["websocket", String(api.managementEndpoint.resolve())]]);
    for (const [name, { queue, dlq }] of Object.entries(queues)) {
      addresses.set(name, String(queue.url.resolve()));
      addresses.set(`${name} DLQ`, String(dlq.url.resolve()));
    }
    addresses.set("bucket", String(bucket.name.resolve()));
    for (const prefix of Object.values(objectKeys)) addresses.set(`bucket/${prefix}*`, String(bucket.name.resolve()));

    for (const fn of deployedFunctions(recording)) {
      const values = new Set(Object.values(environmentOf(fn)));
      for (const grant of grantsOf(recording, fn)) {
        const resource = grant.slice(grant.indexOf(" ") + 1);
        expect(values.has(addresses.get(resource) ?? `unknown resource ${resource}`), `${fn.trigger}: ${grant}`).toBe(true);
      }
    }
  });
});

describe("queue policies", () => {
  const OUTSIDER = "arn:aws:iam::123456789012:role/some-other-service";
  const OPERATOR = "arn:aws:iam::123456789012:role/pipeline-operators";
  const UPLOAD_SERVICE = "arn:aws:iam::123456789012:role/upload-service";

  it("every queue and DLQ refuses requests without TLS", () => {
    for (const { queue, dlq } of Object.values(queues)) {
      for (const target of [queue, dlq]) expect(policyDeniesSend(policyOf(recording, target), { principalArn: senderRoles(recording).fanout ?? "", secureTransport: false }), target.componentName).toBe(true);
    }
  });

  it("only the functions' roles may send to the internal queues and to every DLQ, and every function granted a send is one of them", () => {
    const roles = senderRoles(recording);
    const targets = [queues.uploads.queue, queues.progress.queue, ...queueNames.map((name) => queues[name].dlq)];
    for (const target of targets) {
      const policy = policyOf(recording, target);
      expect(policyDeniesSend(policy, { principalArn: OUTSIDER, secureTransport: true }), `${target.componentName}: another role of the account`).toBe(true);
      expect(policyDeniesSend(policy, { principalArn: OPERATOR, secureTransport: true }), `${target.componentName}: operators, until the stage names them`).toBe(true);
      const label = resourceLabels(recording).get(String(target.arn.resolve())) ?? target.componentName;
      for (const [name, roleArn] of Object.entries(roles)) {
        const granted = grantsOf(recording, functionFor(recording, name === "reconciler" ? wiring.reconciler.handler : wiring.functions[name as FunctionName].handler)).includes(`sqs:SendMessage ${label}`);
        if (granted) expect(policyDeniesSend(policy, { principalArn: roleArn, secureTransport: true }), `${name} sends to ${label}`).toBe(false);
      }
    }
  });

  it("the batches queue stays open to the account until the stage names the upload service's role", () => {
    expect(policyDeniesSend(policyOf(recording, queues.batches.queue), { principalArn: OUTSIDER, secureTransport: true })).toBe(false);
  });

  it("a stage's operator roles may send everywhere (redrive), and its upload service's role only to the batches queue, which then refuses anyone else", async () => {
    // Prepare
    const stage = await deploy({ secretValues: { ...STAGE_SECRETS, OperatorRoleArns: `${OPERATOR}, arn:aws:iam::123456789012:role/oncall-*`, UploadServiceRoleArn: UPLOAD_SERVICE } });
    const stageQueues = queuePairs(stage.recording);
    const roles = senderRoles(stage.recording);
    const send = (queue: FakeQueue, principalArn: string) => !policyDeniesSend(policyOf(stage.recording, queue), { principalArn, secureTransport: true });

    // Act / Assess
    for (const name of queueNames) {
      for (const target of [stageQueues[name].queue, stageQueues[name].dlq]) {
        expect(send(target, OPERATOR), `operators to ${target.componentName}`).toBe(true);
        expect(send(target, "arn:aws:iam::123456789012:role/oncall-alice"), `a wildcard operator role to ${target.componentName}`).toBe(true);
        expect(send(target, OUTSIDER), `another role to ${target.componentName}`).toBe(false);
        expect(send(target, UPLOAD_SERVICE), `the upload service to ${target.componentName}`).toBe(target === stageQueues.batches.queue);
      }
    }
    expect(send(stageQueues.batches.queue, roles.fanout ?? ""), "the fan-out's follow-up").toBe(true);
    expect(send(stageQueues.batches.queue, roles.reconciler ?? ""), "the reconciler's re-sends").toBe(true);
  });

  it("a stage setting that is not a list of role ARNs fails the deploy, naming the setting", async () => {
    const stage = await deploy({ secretValues: { ...STAGE_SECRETS, OperatorRoleArns: "alice" } });
    expect(() => stage.recording.queuePolicies.map((policy) => policy.document)).toThrow(/OperatorRoleArns must be comma-separated IAM role ARNs, got "alice"/);
  });
});

describe("outputs", () => {
  it("prints the WebSocket URL, the management endpoint, every queue and DLQ URL and the bucket", () => {
    if (!api || !bucket) throw new Error("no API or bucket");
    expect(deployment.outputs).toEqual({
      webSocketUrl: api.url.resolve(),
      webSocketManagementEndpoint: api.managementEndpoint.resolve(),
      ...Object.fromEntries(
        queueNames.flatMap((name) => [
          [`${name}QueueUrl`, queues[name].queue.url.resolve()],
          [`${name}DlqUrl`, queues[name].dlq.url.resolve()],
        ]),
      ),
      mediaBucket: bucket.name.resolve(),
    });
  });
});
