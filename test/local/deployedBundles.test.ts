import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { issueToken } from "@pipeline/adapters/auth";
import { LAMBDA_RESERVED_VARIABLES, type BuiltFunctions, type LocalStack } from "@pipeline/local";
import { deployedFunctions as wiredFunctions, environments, variables, wiring, type DeployedFunction } from "@pipeline/wiring";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deploy, environmentOf, functionFor, type Deployment } from "../infra/deployStack.js";
import { SST_FUNCTION_VARIABLES } from "../infra/sstStandIns.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

/** An event each kind of function takes without side effects worth the name. */
function harmlessEvent(fn: DeployedFunction): unknown {
  switch (fn.trigger.kind) {
    case "queue":
      return { Records: [] };
    case "webSocket": {
      const routeKey = fn.trigger.routes[0] ?? "$default";
      const eventType = routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE";
      return { requestContext: { routeKey, eventType, connectionId: "bundle-test", requestId: "bundle-test", stage: "local" }, isBase64Encoded: false, body: "{}" };
    }
    case "schedule":
      return { "detail-type": "Scheduled Event", source: "aws.events", detail: {} };
  }
}

/** A process's environment and arguments, as the kernel holds them. */
async function readProcess(pid: number): Promise<{ environment: Record<string, string>; argv: string[] }> {
  const split = (raw: string) => raw.split("\0").filter((entry) => entry !== "");
  const environment = Object.fromEntries(
    split(await readFile(`/proc/${pid}/environ`, "utf8")).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
  return { environment, argv: split(await readFile(`/proc/${pid}/cmdline`, "utf8")) };
}

describe("acceptance: the local runner runs each deployed function's bundle with the environment the stacks set, and nothing else", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let deployment: Deployment;
  const built: BuiltFunctions = inject("builtFunctions");

  beforeAll(async () => {
    [testStack, deployment] = await Promise.all([startTestStack(), deploy()]);
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it.each(wiredFunctions(wiring).map((fn) => [fn.name, fn] as const))("%s", async (_name, fn) => {
    // Prepare: what `sst deploy` makes of this function (sst.config.ts on the SST stand-ins).
    const deployed = functionFor(deployment.recording, fn.handler);
    const entryPoint = String(deployed.args.handler);
    const bundle = built.byHandler[entryPoint];
    if (!bundle || !stack.containers) throw new Error(`no bundle for ${entryPoint}, or no containers`);

    // Act: one invocation starts a container of the function; its process is read as the kernel sees it.
    const outcome = await stack.containers.pool(fn.name).invoke(harmlessEvent(fn));
    const container = stack.containers.list().find((candidate) => candidate.functionName === fn.name);
    if (container?.pid === undefined) throw new Error(`no live container of ${fn.name}`);
    const { environment, argv } = await readProcess(container.pid);

    // Assess: the bundle esbuild made from the deployed entry point, run by the runtime client...
    // Returned: its configuration, secrets included, was read at its first invocation.
    expect(outcome.kind, JSON.stringify(outcome)).toBe("returned");
    expect(argv.slice(1)).toEqual([expect.stringMatching(/^--max-old-space-size=\d+$/), built.bootstrapFile, `--container=${container.id}`]);
    expect(argv[0]).toBe(process.execPath);
    expect(environment.LAMBDA_TASK_ROOT).toBe(bundle.taskRoot);
    const handlerSetting = environment._HANDLER ?? "";
    const dot = handlerSetting.lastIndexOf(".");
    expect(join(bundle.taskRoot, `${handlerSetting.slice(0, dot)}.mjs`)).toBe(bundle.bundle.file);
    expect(handlerSetting.slice(dot + 1)).toBe(entryPoint.slice(entryPoint.lastIndexOf(".") + 1));
    expect(Object.keys(bundle.bundle.inputs)).toContain(`${entryPoint.slice(0, entryPoint.lastIndexOf("."))}.ts`);
    // ...with exactly the variables the stacks deploy it with, what SST adds (the key of its linked
    // secrets), the local engines' endpoints and what Lambda itself sets: nothing of the test
    // process's environment.
    const localEngines = environments[fn.environment].filter((name) => variables[name].from === "localEngine");
    const expected = new Set([...Object.keys(environmentOf(deployed)), ...SST_FUNCTION_VARIABLES, ...localEngines, ...LAMBDA_RESERVED_VARIABLES]);
    expect(Object.keys(environment).sort()).toEqual([...expected].sort());
  });

  it("no container's environment holds a secret, while the functions read theirs from the encrypted links: $connect checks a token and records the connection in Postgres", async () => {
    // Prepare: the stack's secrets, and a token signed with its AuthSecret.
    const containers = stack.containers;
    if (!containers) throw new Error("no containers");
    const { pooledDatabaseUrl, authSecret } = stack.endpoints;
    const password = new URL(pooledDatabaseUrl).password;
    const secrets = [pooledDatabaseUrl, authSecret, ...(password ? [password] : [])];
    const connectionId = "linked-secrets";
    const token = await issueToken(authSecret, "user-linked");

    // Act: $connect with the token, in a container of its own.
    const outcome = await containers.pool(connectFunctionName()).invoke({
      requestContext: { routeKey: "$connect", eventType: "CONNECT", connectionId, requestId: "linked-secrets", stage: "local" },
      queryStringParameters: { token },
      isBase64Encoded: false,
    });

    // Assess: the token was verified and the row written, with the secrets from the links...
    expect(outcome).toEqual({ kind: "returned", payload: { statusCode: 200 } });
    const client = new pg.Client({ connectionString: stack.endpoints.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT user_id FROM connections WHERE connection_id = $1", [connectionId]);
      expect(rows).toEqual([{ user_id: "user-linked" }]);
    } finally {
      await client.end();
    }
    // ...and no live container holds a secret in its environment, nor a secret variable's name.
    const live = containers.list();
    expect(live.length).toBeGreaterThan(0);
    for (const container of live) {
      if (container.pid === undefined) continue;
      const raw = await readFile(`/proc/${container.pid}/environ`, "utf8");
      for (const secret of secrets) expect(raw.includes(secret), `${container.id} holds a secret`).toBe(false);
      const { environment } = await readProcess(container.pid);
      for (const [name, variable] of Object.entries(variables)) if (variable.from === "secret") expect(environment, `${container.id}: ${name}`).not.toHaveProperty(name);
      // The encrypted file is the stack owner's alone.
      expect(((await stat(environment.SST_KEY_FILE ?? "")).mode & 0o777).toString(8), `${container.id}: ${environment.SST_KEY_FILE}`).toBe("600");
    }
  });
});

/** The deployed function that runs the `$connect` route. */
function connectFunctionName(): string {
  const fn = wiredFunctions(wiring).find((candidate) => candidate.trigger.kind === "webSocket" && candidate.trigger.routes.includes("$connect"));
  if (!fn) throw new Error("no function runs $connect");
  return fn.name;
}
