import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnvironment, deployedFunctions, environments, secretResourceNames, variables, type DeployedFunction, type Variable, type VariableName, type Wiring } from "@pipeline/wiring";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import type { BuiltFunctions } from "./buildFunctions.js";
import { ContainerPool, type ColdStart, type ContainerLogLine } from "./ContainerPool.js";
import { InitGate } from "./InitGate.js";
import type { LocalFunction } from "./LocalFunction.js";
import { writeLinkedSecrets, type LinkedSecret } from "./linkedSecrets.js";

/**
 * Containers at once for a function Lambda would scale without a set maximum (the WebSocket
 * routes' functions, the reconciler): on AWS the account's concurrency bounds them.
 */
const UNBOUNDED_FUNCTION_CONTAINERS = 4;

export interface FunctionContainersOptions {
  wiring: Wiring;
  built: BuiltFunctions;
  /** The local resources' values for the contract's variables: queue URLs, bucket, secrets, local engines. */
  valueOf: (variable: Variable) => string | undefined;
  /** Tuning variables an operator would set on the stage (e.g. SIMULATED_PROCESSING_MS for a load test). */
  tuning?: Partial<Record<VariableName, string>>;
  region: string;
  /** The execution role's credentials: the stack's key pair. */
  credentials: LocalCredentials;
  /** A container unused this long is stopped (Lambda keeps one for minutes). */
  idleRetireSeconds?: number;
  /**
   * Run a background function's containers (the worker's) at a lower CPU priority, so that
   * replies and pushes take a core first as Lambda's isolation lets them (default true). The test
   * suite turns it off: its files run two at a time, and a niced worker in one file would starve
   * behind the other file's work.
   */
  niceBackground?: boolean;
  log?: (line: ContainerLogLine) => void;
  onColdStart?: (coldStart: ColdStart) => void;
}

/** Every deployed function's containers, built from the wiring: what Lambda runs for the stack. */
export class FunctionContainers {
  private readonly pools = new Map<string, ContainerPool>();
  readonly functions: LocalFunction[];
  /** Where the functions' encrypted secrets are (0700, removed on stop). */
  private readonly linksDir: string;

  constructor(options: FunctionContainersOptions) {
    this.linksDir = mkdtempSync(join(tmpdir(), "pipeline-links-"));
    this.functions = deployedFunctions(options.wiring).map((fn) => localFunction(fn, options, this.linksDir));
    const initGate = new InitGate();
    for (const fn of this.functions) {
      this.pools.set(
        fn.name,
        new ContainerPool(fn, {
          idleRetireMillis: (options.idleRetireSeconds ?? 60) * 1000,
          initGate,
          ...(options.log ? { log: options.log } : {}),
          ...(options.onColdStart ? { onColdStart: options.onColdStart } : {}),
        }),
      );
    }
  }

  pool(name: string): ContainerPool {
    const pool = this.pools.get(name);
    if (!pool) throw new Error(`no deployed function named ${name}`);
    return pool;
  }

  /** Every container alive now. */
  list(): Array<{ functionName: string; id: string; pid: number | undefined; busy: boolean }> {
    return [...this.pools.values()].flatMap((pool) => pool.list().map((container) => ({ functionName: pool.functionName, ...container })));
  }

  /** Peak resident memory of every container alive now, in MB. */
  async peakMemory(): Promise<Array<{ functionName: string; id: string; peakMemoryMb: number | undefined }>> {
    const pools = [...this.pools.values()];
    const perPool = await Promise.all(pools.map(async (pool) => (await pool.peakMemory()).map((container) => ({ functionName: pool.functionName, ...container }))));
    return perPool.flat();
  }

  coldStarts(): ColdStart[] {
    return [...this.pools.values()].flatMap((pool) => pool.coldStarts);
  }

  async stop(graceMillis?: number): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop(graceMillis)));
    rmSync(this.linksDir, { recursive: true, force: true });
  }
}

function localFunction(fn: DeployedFunction, options: FunctionContainersOptions, linksDir: string): LocalFunction {
  const built = options.built.byHandler[fn.handler];
  if (!built) throw new Error(`no bundle built for ${fn.handler}`);
  const maxConcurrency = fn.trigger.kind === "queue" ? options.wiring.functions[fn.trigger.function].maxConcurrency : UNBOUNDED_FUNCTION_CONTAINERS;
  return {
    name: fn.name,
    handler: fn.handler,
    handlerSetting: built.handlerSetting,
    taskRoot: built.taskRoot,
    bootstrapFile: options.built.bootstrapFile,
    runtime: options.wiring.runtime,
    environment: { ...functionEnvironment(fn, options), ...writeLinkedSecrets(join(linksDir, `${fn.name}.enc`), linkedSecrets(fn, options)) },
    timeoutSeconds: fn.timeoutSeconds,
    memoryMb: fn.memoryMb,
    maxConcurrency,
    background: fn.localBackground && options.niceBackground !== false,
    region: options.region,
    credentials: options.credentials,
    arn: `arn:aws:lambda:${options.region}:000000000000:function:${fn.name}`,
  };
}

/**
 * The function's environment as the stacks set it (the region comes from Lambda, tuning values
 * only when an operator sets them, secrets never), with the local resources' values.
 */
function functionEnvironment(fn: DeployedFunction, options: FunctionContainersOptions): Record<string, string> {
  const environment = buildEnvironment(fn.environment, (variable) => (variable.from === "region" || variable.from === "tuning" || variable.from === "secret" ? undefined : options.valueOf(variable)));
  for (const name of environments[fn.environment]) {
    const tuned = options.tuning?.[name];
    if (tuned !== undefined && variables[name].from === "tuning") environment[name] = tuned;
  }
  return environment;
}

/** The secrets the function's contract reads, as the stacks link them: an unset one is linked empty, as an `sst.Secret` with the placeholder "". */
function linkedSecrets(fn: DeployedFunction, options: FunctionContainersOptions): Record<string, LinkedSecret> {
  const linked: Record<string, LinkedSecret> = {};
  for (const name of environments[fn.environment]) {
    const variable: Variable = variables[name];
    if (variable.from === "secret") linked[secretResourceNames[variable.secret]] = { type: "sst.sst.Secret", value: options.valueOf(variable) ?? "" };
  }
  return linked;
}
