import { describe, expect, it } from "vitest";
import { Acks, chunkRanges, formatBytes, refusal, sendInChunks } from "../src/chunk";

const ACCEPTED = ["mp4", "mov", "jpg", "wav"];
const MiB = 1024 * 1024;

describe("chunking", () => {
  it("covers the file with ranges of at most one chunk", () => {
    expect(chunkRanges(0)).toEqual([]);
    expect(chunkRanges(10, 4)).toEqual([[0, 4], [4, 8], [8, 10]]);
    const ranges = chunkRanges(15 * MiB + 3);
    expect(ranges).toHaveLength(16);
    expect(ranges.every(([a, b]) => b - a <= MiB)).toBe(true);
    expect(ranges[15]).toEqual([15 * MiB, 15 * MiB + 3]);
  });

  it("refuses unsupported types and oversized files before sending", () => {
    expect(refusal("clip.MP4", 10, ACCEPTED, {}, 100)).toBeNull();
    expect(refusal("photo.jpeg", 10, ACCEPTED, { jpeg: "jpg" }, 100)).toBeNull();
    expect(refusal("notes.txt", 10, ACCEPTED, {}, 100)).toMatch(/unsupported type.*mp4/);
    expect(refusal("noext", 10, ACCEPTED, {}, 100)).toMatch(/unsupported/);
    expect(refusal("big.mov", 101, ACCEPTED, {}, 100)).toMatch(/over the .* limit/);
  });

  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(15 * MiB)).toBe("15 MB");
    expect(formatBytes(1.5 * 1024)).toBe("1.5 KB");
  });
});

/** A fake kernel: keeps what it receives and acknowledges each chunk after a tick. */
function fakeKernel(acks: Acks, opts: { ackDelayMs?: number; dropAcks?: boolean } = {}) {
  const messages: Record<string, unknown>[] = [];
  let received = new Uint8Array(0);
  let inFlight = 0;
  let maxInFlight = 0;
  const sink = {
    send(content: Record<string, unknown>, buffers?: ArrayBuffer[]) {
      messages.push(content);
      if (content.kind !== "chunk" || !buffers) return;
      const piece = new Uint8Array(buffers[0]);
      const next = new Uint8Array(received.length + piece.length);
      next.set(received);
      next.set(piece, received.length);
      received = next;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (!opts.dropAcks)
        setTimeout(() => {
          inFlight--;
          acks.deliver(content.id as string, received.length);
        }, opts.ackDelayMs ?? 0);
    },
  };
  return { sink, messages, bytes: () => received, maxInFlight: () => maxInFlight };
}

describe("sendInChunks", () => {
  it("sends begin, acknowledged chunks in order, then end; the bytes arrive intact", async () => {
    const data = new Uint8Array(10_000).map((_, i) => (i * 7) % 251);
    const acks = new Acks();
    const kernel = fakeKernel(acks, { ackDelayMs: 1 });
    await sendInChunks(new Blob([data]), "f1", "a.mp4", kernel.sink, acks, undefined, 4096);
    expect(kernel.messages.map((m) => m.kind)).toEqual(["begin", "chunk", "chunk", "chunk", "end"]);
    expect(kernel.messages.filter((m) => m.kind === "chunk").map((m) => m.offset)).toEqual([0, 4096, 8192]);
    expect(kernel.maxInFlight()).toBe(1);
    expect(kernel.bytes()).toEqual(data);
  });

  it("stops and tells the kernel when cancelled", async () => {
    const acks = new Acks();
    const kernel = fakeKernel(acks, { ackDelayMs: 5 });
    const controller = new AbortController();
    const sending = sendInChunks(new Blob([new Uint8Array(50_000)]), "f2", "b.mp4", kernel.sink, acks, controller.signal, 1000);
    setTimeout(() => controller.abort(), 12);
    await expect(sending).rejects.toThrow("cancelled");
    const kinds = kernel.messages.map((m) => m.kind);
    expect(kinds.at(-1)).toBe("cancel");
    expect(kinds).not.toContain("end");
    expect(kinds.filter((k) => k === "chunk").length).toBeLessThan(50);
  });

  it("fails when the kernel never acknowledges", async () => {
    const acks = new Acks();
    const kernel = fakeKernel(acks, { dropAcks: true });
    const pending = acks.wait("f3", 1, 20);
    await expect(pending).rejects.toThrow(/no acknowledgement/);
    expect(kernel.messages).toEqual([]);
  });
});
