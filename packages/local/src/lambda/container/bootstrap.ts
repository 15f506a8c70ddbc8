/**
 * The runtime inside one local container: what Lambda's Node.js runtime does in a sandbox, over
 * the same Runtime API. It loads the function's bundle (`LAMBDA_TASK_ROOT` + `_HANDLER`), then
 * asks the runner's Runtime API for the next event, calls the exported handler with it and a
 * Lambda context, and posts the result or the error back, one invocation at a time, for as long
 * as the process lives. An uncaught exception or an unhandled rejection ends the process, as on
 * Lambda: the runner fails the invocation and the next one starts cold.
 *
 * It is bundled on its own (esbuild) and imports nothing but Node built-ins.
 */
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describeFailure, type FunctionError } from "./functionError.js";

type Handler = (event: unknown, context: object) => unknown;

const API_VERSION = "2018-06-01";
const api = required("AWS_LAMBDA_RUNTIME_API");
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this file runs inside a local Lambda container`);
  return value;
}

interface RuntimeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(method: "GET" | "POST", path: string, body?: string, headers: Record<string, string> = {}): Promise<RuntimeResponse> {
  const [host = "127.0.0.1", port = "80"] = api.split(":");
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port: Number(port), method, path: `/${API_VERSION}/runtime/${path}`, agent, headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

async function postError(path: string, failure: FunctionError): Promise<void> {
  await call("POST", path, JSON.stringify(failure), { "lambda-runtime-function-error-type": failure.errorType });
}

async function loadHandler(): Promise<Handler> {
  const handlerSetting = required("_HANDLER");
  const dot = handlerSetting.lastIndexOf(".");
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const module = (await import(pathToFileURL(join(required("LAMBDA_TASK_ROOT"), `${moduleName}.mjs`)).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== "function") throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  return handler as Handler;
}

let currentRequestId: string | undefined;

/** What Lambda's runtime does on an error nothing caught: report it for the invocation, then exit. */
function crash(error: unknown): void {
  const failure = describeFailure(error, "Runtime.UncaughtException");
  console.error(JSON.stringify({ level: "ERROR", message: "uncaught error; the container exits", ...failure }));
  const done = currentRequestId ? postError(`invocation/${currentRequestId}/error`, failure) : Promise.resolve();
  void done.finally(() => process.exit(129));
}

/** How often the container checks that its runner is still there. */
const PARENT_CHECK_MILLIS = 1000;

/**
 * A sandbox does not outlive Lambda: when the runner that started this container is gone (killed
 * without its process group), the container is reparented and exits, mid-invocation or not.
 */
function exitWithRunner(): void {
  const runner = process.ppid;
  setInterval(() => {
    if (process.ppid !== runner) process.exit(137);
  }, PARENT_CHECK_MILLIS).unref();
}

async function run(): Promise<void> {
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  exitWithRunner();
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    await postError("init/error", describeFailure(error, "Runtime.ImportModuleError"));
    process.exit(1);
  }
  const functionName = required("AWS_LAMBDA_FUNCTION_NAME");
  for (;;) {
    const next = await call("GET", "invocation/next");
    const requestId = header(next.headers, "lambda-runtime-aws-request-id");
    const deadline = Number(header(next.headers, "lambda-runtime-deadline-ms"));
    currentRequestId = requestId;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
      invokedFunctionArn: header(next.headers, "lambda-runtime-invoked-function-arn"),
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "",
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? "",
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    try {
      const result = await handler(JSON.parse(next.body) as unknown, context);
      await call("POST", `invocation/${requestId}/response`, JSON.stringify(result ?? null));
    } catch (error) {
      await postError(`invocation/${requestId}/error`, describeFailure(error, "Error"));
    }
    currentRequestId = undefined;
  }
}

void run();
