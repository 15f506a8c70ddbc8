/** Reads a stream to its end into one buffer; stops with the signal's reason when it aborts. */
export async function collectBytes(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  signal.throwIfAborted();
  for await (const chunk of stream) {
    signal.throwIfAborted();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
