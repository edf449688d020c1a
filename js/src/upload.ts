// UploadWidget: a drop zone and a file picker. Each accepted file goes to the kernel in
// acknowledged chunks of at most 1 MiB, then the kernel sends it to the API; the `files` trait
// carries the progress of both legs, so a view rendered late still shows it.

import type { RenderProps } from "@anywidget/types";
import { Acks, formatBytes, refusal, sendInChunks } from "./chunk";
import { element } from "./dom";
import "./styles.css";

export interface FileRow {
  id: string;
  name: string;
  size: number;
  received: number;
  uploaded: number;
  status: "sending" | "uploading" | "done" | "error" | "cancelled";
  error: string;
}

interface UploadModel {
  accept: string[];
  aliases: Record<string, string>;
  max_bytes: number;
  chunk_bytes: number;
  files: FileRow[];
}

let counter = 0;
const newId = () => `f${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Share of both legs (browser → kernel, kernel → API) done, 0..1. */
export function progressOf(row: FileRow): number {
  if (row.status === "done") return 1;
  return row.size ? (row.received + row.uploaded) / (2 * row.size) : 0;
}

function render({ model, el }: RenderProps<UploadModel>) {
  el.classList.add("nemo-widget", "nemo-upload");
  const zone = element("div", "nemo-dropzone");
  zone.tabIndex = 0;
  const input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.hidden = true;
  const pick = element("button", "nemo-button", "choose files");
  zone.append("Drop clips here or ", pick, input);
  const list = element("div", "nemo-files");
  const refusals = element("div", "nemo-error");
  el.append(zone, refusals, list);

  const acks = new Acks();
  const transfers = new Map<string, AbortController>();

  function accept() {
    const exts = model.get("accept") || [];
    input.accept = [...exts, ...Object.keys(model.get("aliases") || {})].map((e) => `.${e}`).join(",");
  }

  async function take(files: FileList | File[]) {
    const refused: string[] = [];
    const accepted = [...files].filter((file) => {
      const why = refusal(file.name, file.size, model.get("accept") || [], model.get("aliases") || {}, model.get("max_bytes"));
      if (why) refused.push(why);
      return !why;
    });
    refusals.textContent = refused.join("\n");
    refusals.hidden = !refused.length;
    await Promise.all(accepted.map(send));
  }

  async function send(file: File) {
    const id = newId();
    const controller = new AbortController();
    transfers.set(id, controller);
    try {
      await sendInChunks(file, id, file.name, { send: (content, buffers) => model.send(content, undefined, buffers) }, acks, controller.signal, model.get("chunk_bytes"));
    } catch (error) {
      if ((error as Error).name !== "AbortError") model.send({ kind: "failed", id, error: (error as Error).message });
    } finally {
      transfers.delete(id);
    }
  }

  function cancel(id: string) {
    const transfer = transfers.get(id);
    if (transfer) transfer.abort();
    else model.send({ kind: "cancel", id });
  }

  function onMessage(msg: { kind?: string; id?: string; received?: number; error?: string }) {
    if (!msg?.id) return;
    if (msg.kind === "ack") acks.deliver(msg.id, msg.received ?? 0);
    if (msg.kind === "refused") acks.fail(msg.id, new Error(msg.error || "refused by the kernel"));
  }

  function drawFiles() {
    list.replaceChildren(
      ...(model.get("files") || []).map((row) => {
        const line = element("div", `nemo-file nemo-file-${row.status}`);
        line.dataset.id = row.id;
        line.dataset.status = row.status;
        const name = element("span", "nemo-file-name", `${row.name} (${formatBytes(row.size)})`);
        const bar = document.createElement("progress");
        bar.max = 1;
        bar.value = progressOf(row);
        const note = element("span", "nemo-file-note", row.error || row.status);
        line.append(name, bar, note);
        if (row.status === "sending" || row.status === "uploading") {
          const stop = element("button", "nemo-button", "Cancel");
          stop.addEventListener("click", () => cancel(row.id));
          line.append(stop);
        }
        return line;
      }),
    );
  }

  pick.addEventListener("click", (event) => {
    event.preventDefault();
    input.click();
  });
  input.addEventListener("change", () => {
    if (input.files) take(input.files).finally(() => (input.value = ""));
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("nemo-dragover");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("nemo-dragover"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    event.stopPropagation();
    zone.classList.remove("nemo-dragover");
    if (event.dataTransfer?.files?.length) take(event.dataTransfer.files);
  });

  model.on("change:files", drawFiles);
  model.on("change:accept", accept);
  model.on("msg:custom", onMessage);
  accept();
  drawFiles();
  return () => {
    for (const transfer of transfers.values()) transfer.abort();
    model.off("change:files", drawFiles);
    model.off("change:accept", accept);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
