// PlayerWidget: an HTML5 video whose position is the `current_time` trait (linkable to a
// timeline's playhead). Plays from `src`; when there is no URL, or it cannot be loaded, and the
// kernel has the file (`has_bytes`), asks for the bytes once per view (binary buffers, never a trait).
// Before it plays, its box has the video's shape (`aspect`, width/height; 16:9 when 0), so it does
// not jump when the video loads.

import type { RenderProps } from "@anywidget/types";
import { element } from "./dom";
import "./styles.css";

interface PlayerModel {
  src: string;
  poster: string;
  /** width / height of the video; 0 when unknown. */
  aspect: number;
  current_time: number;
  playing: boolean;
  has_bytes: boolean;
  mime: string;
  message: string;
}

/** Seeks only when the trait is this far (s) from the video, so our own updates never loop. */
const SEEK_TOLERANCE = 0.25;

function render({ model, el }: RenderProps<PlayerModel>) {
  el.classList.add("nemo-widget", "nemo-player");
  const video = document.createElement("video");
  video.controls = true;
  video.preload = "metadata";
  video.playsInline = true;
  const line = element("div", "nemo-status");
  el.append(video, line);
  let blobUrl = "";
  let urlFailed = "";
  let asked = false;

  function shape() {
    const aspect = model.get("aspect");
    if (aspect > 0 && Number.isFinite(aspect)) el.style.setProperty("--nemo-aspect", String(aspect));
    else el.style.removeProperty("--nemo-aspect");
  }

  function load() {
    const src = model.get("src");
    video.poster = model.get("poster") || "";
    if (blobUrl) {
      if (video.src !== blobUrl) video.src = blobUrl;
    } else if (src && src !== urlFailed) {
      if (video.getAttribute("src") !== src) video.src = src;
    } else if (model.get("has_bytes") && !asked) {
      asked = true;
      model.send({ kind: "need_bytes" });
      line.textContent = "Loading video…";
    }
  }

  // Pieces may arrive twice (each view of the model asks, the kernel answers all): count each offset once.
  let pieces = { total: 0, received: 0, offsets: new Set<number>(), data: new Uint8Array(0) };
  function onMessage(msg: { kind?: string; mime?: string; offset?: number; total?: number }, buffers: DataView[]) {
    if (msg?.kind !== "bytes" || !buffers.length || blobUrl || !asked) return;
    const total = msg.total ?? buffers[0].byteLength;
    const offset = msg.offset ?? 0;
    if (pieces.total !== total) pieces = { total, received: 0, offsets: new Set(), data: new Uint8Array(total) };
    if (pieces.offsets.has(offset)) return;
    const piece = new Uint8Array(buffers[0].buffer, buffers[0].byteOffset, buffers[0].byteLength);
    pieces.data.set(piece, offset);
    pieces.offsets.add(offset);
    pieces.received += piece.byteLength;
    if (pieces.received < total) return;
    blobUrl = URL.createObjectURL(new Blob([pieces.data as Uint8Array<ArrayBuffer>], { type: msg.mime || model.get("mime") || "video/mp4" }));
    pieces = { total: 0, received: 0, offsets: new Set(), data: new Uint8Array(0) };
    line.textContent = "";
    load();
  }

  /** Another video: forget the previous one's bytes and failures. */
  function reload() {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = urlFailed = "";
    asked = false;
    load();
  }

  function seekToTrait() {
    const t = model.get("current_time") ?? 0;
    if (Math.abs(video.currentTime - t) > SEEK_TOLERANCE && Number.isFinite(t)) video.currentTime = t;
  }

  function playToTrait() {
    const want = model.get("playing");
    if (want && video.paused) video.play().catch((e) => (line.textContent = `Cannot play: ${e.message}`));
    if (!want && !video.paused) video.pause();
  }

  const report = () => {
    if (Math.abs((model.get("current_time") ?? 0) - video.currentTime) > 0.01) {
      model.set("current_time", video.currentTime);
      model.save_changes();
    }
  };
  const reportPlaying = () => {
    if (model.get("playing") !== !video.paused) {
      model.set("playing", !video.paused);
      model.save_changes();
    }
  };
  const showError = () => {
    const src = model.get("src");
    if (src && video.getAttribute("src") === src && model.get("has_bytes") && !blobUrl) {
      urlFailed = src; // the browser cannot reach the URL: the kernel's copy instead
      return load();
    }
    line.textContent = `Cannot play this video (${video.error?.message || "unsupported or unreachable"})`;
  };
  const showMessage = () => {
    if (model.get("message")) line.textContent = model.get("message");
  };

  video.addEventListener("timeupdate", report);
  video.addEventListener("seeked", report);
  video.addEventListener("play", reportPlaying);
  video.addEventListener("pause", reportPlaying);
  video.addEventListener("ended", reportPlaying);
  video.addEventListener("error", showError);
  video.addEventListener("loadedmetadata", () => {
    seekToTrait();
    playToTrait();
  });

  const handlers: [string, () => void][] = [
    ["change:src", reload],
    ["change:poster", load],
    ["change:aspect", shape],
    ["change:has_bytes", load],
    ["change:current_time", seekToTrait],
    ["change:playing", playToTrait],
    ["change:message", showMessage],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  model.on("msg:custom", onMessage);
  shape();
  load();
  showMessage();

  return () => {
    for (const [name, handler] of handlers) model.off(name as never, handler);
    model.off("msg:custom", onMessage);
    video.pause();
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  };
}

export default { render };
