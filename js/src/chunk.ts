// Sending a browser File to the kernel in chunks of at most 1 MiB, one acknowledged at a time
// (the default websocket limit silently drops messages over ~10 MiB).

export const CHUNK_BYTES = 1024 * 1024;

/** [start, end) byte ranges covering `size` bytes. */
export function chunkRanges(size: number, chunkBytes: number = CHUNK_BYTES): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < size; start += chunkBytes) ranges.push([start, Math.min(size, start + chunkBytes)]);
  return ranges;
}

/** Why a file is refused before any byte is sent, or null when it may go. */
export function refusal(name: string, size: number, accepted: string[], aliases: Record<string, string>, maxBytes: number): string | null {
  const dot = name.lastIndexOf(".");
  const raw = dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
  const ext = aliases[raw] ?? raw;
  if (!accepted.includes(ext)) return `${name}: unsupported type; accepted: ${accepted.join(", ")}`;
  if (size > maxBytes) return `${name}: ${formatBytes(size)} is over the ${formatBytes(maxBytes)} limit; trim or compress it`;
  return null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Resolves waits when the kernel acknowledges bytes: `deliver` each ack, `wait` for a count. */
export class Acks {
  private received = new Map<string, number>();
  private waiters: { id: string; bytes: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  deliver(id: string, bytes: number): void {
    this.received.set(id, Math.max(bytes, this.received.get(id) ?? 0));
    this.waiters = this.waiters.filter((w) => {
      if (w.id === id && bytes >= w.bytes) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  fail(id: string, error: Error): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.id === id) w.reject(error);
      return w.id !== id;
    });
  }

  wait(id: string, bytes: number, timeoutMs = 60_000): Promise<void> {
    if ((this.received.get(id) ?? 0) >= bytes) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { id, bytes, resolve: () => (clearTimeout(timer), resolve()), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no acknowledgement from the kernel after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface ChunkSink {
  send(content: Record<string, unknown>, buffers?: ArrayBuffer[]): void;
}

/**
 * Sends `file` as begin / chunk* / end messages, waiting for each chunk's acknowledgement.
 * Stops (after telling the kernel) when `signal` aborts.
 */
export async function sendInChunks(
  file: Blob,
  id: string,
  name: string,
  sink: ChunkSink,
  acks: Acks,
  signal?: AbortSignal,
  chunkBytes: number = CHUNK_BYTES,
): Promise<void> {
  sink.send({ kind: "begin", id, name, size: file.size });
  for (const [start, end] of chunkRanges(file.size, chunkBytes)) {
    if (signal?.aborted) break;
    const buffer = await file.slice(start, end).arrayBuffer();
    sink.send({ kind: "chunk", id, offset: start }, [buffer]);
    await acks.wait(id, end);
  }
  if (signal?.aborted) {
    sink.send({ kind: "cancel", id });
    throw new DOMException("cancelled", "AbortError");
  }
  sink.send({ kind: "end", id });
}
