import { createServer } from "node:net";

/** Thrown when a port the stack needs is taken: names the part and the setting that moves it. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly port: number,
    readonly part: string,
    readonly setting: string,
  ) {
    super(`port ${port} (${part}) is already in use: stop what holds it, or set ${setting} to another port`);
  }
}

/** Checks that a fixed port can be bound on loopback; port 0 (any free port) always can. */
export async function assertPortFree(port: number, part: string, setting: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE" ? new PortInUseError(port, part, setting) : error));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}
