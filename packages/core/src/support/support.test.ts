import { describe, expect, it } from "vitest";
import { ProcessingTimeoutError } from "../errors.js";
import { isLoopbackHost } from "./isLoopbackHost.js";
import { readWithinBytes } from "./readWithinBytes.js";
import { mapWithConcurrency } from "./mapWithConcurrency.js";
import { withDeadline } from "./withDeadline.js";

describe("mapWithConcurrency", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const result = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running--;
      return value * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it("rejects a limit below one", async () => {
    await expect(mapWithConcurrency([1], 0, async (value) => value)).rejects.toThrow(RangeError);
  });
});

describe("withDeadline", () => {
  it("returns the work's result in time", async () => {
    await expect(withDeadline(1000, async () => "done")).resolves.toBe("done");
  });

  it("aborts the signal and rejects when the work runs late, even if it ignores the signal", async () => {
    let aborted = false;
    const late = withDeadline(20, (signal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise<string>((resolve) => setTimeout(() => resolve("late"), 200));
    });
    await expect(late).rejects.toBeInstanceOf(ProcessingTimeoutError);
    expect(aborted).toBe(true);
  });

  it("rejects at once when no time is left", async () => {
    await expect(withDeadline(0, async () => "never")).rejects.toThrow(/within 0 ms/);
  });
});

describe("isLoopbackHost", () => {
  it("takes localhost, 127.0.0.0/8 and ::1 (bracketed as URLs write it), and nothing else", () => {
    expect(["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"].filter(isLoopbackHost)).toHaveLength(5);
    expect(["localhost.example.com", "128.0.0.1", "127.0.0.256", "10.0.0.1", "::2", "example.com", "127.0.0.1.nip.io"].filter(isLoopbackHost)).toEqual([]);
  });
});

describe("readWithinBytes", () => {
  async function* chunks(sizes: number[], read: number[]) {
    for (const [index, size] of sizes.entries()) {
      read.push(index);
      yield new Uint8Array(size).fill(index + 1);
    }
  }

  it("joins the chunks of a stream within the limit, the limit itself included", async () => {
    const bytes = await readWithinBytes(chunks([2, 3], []), 5);
    expect(Array.from(bytes ?? [])).toEqual([1, 1, 2, 2, 2]);
  });

  it("gives undefined at the first chunk past the limit, and reads no further", async () => {
    const read: number[] = [];
    expect(await readWithinBytes(chunks([4, 4, 4], read), 5)).toBeUndefined();
    expect(read).toEqual([0, 1]);
  });
});
