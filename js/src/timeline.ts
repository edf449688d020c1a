// TimelineWidget: tracks as lanes of blocks on a canvas, a ruler, zoom and scroll, a playhead.
// Clicks select (the `selected` trait); a drag asks Python for an edit (`move` message) and never
// changes the order locally: the new order arrives with the refreshed `tracks` trait.

import type { RenderProps } from "@anywidget/types";
import "./styles.css";
import { element } from "./dom";
import { dropTarget, hitTest, type Hit } from "./hit";
import { drawBackground, drawGhost, drawLanes, drawMarkers, drawPlayhead, drawRuler, GUTTER, type Frame } from "./draw";
import { DEFAULT_GEOMETRY, layoutLanes, totalDuration, totalHeight, type Lane, type TrackData } from "./layout";
import { fitScale, formatTime, scrollForZoom, timeToX, xToTime, type Scale } from "./scale";
import { onThemeChange, palette, type Palette } from "./theme";

export interface Marker {
  t: number;
  label: string;
  kind?: string;
}

interface TimelineModel {
  tracks: TrackData[];
  selected: string;
  playhead: number;
  zoom: number;
  thumbnails: Record<string, string>;
  markers: Marker[];
  show_markers: boolean;
  busy: boolean;
  message: string;
}

const DRAG_THRESHOLD = 4;

function render({ model, el: root }: RenderProps<TimelineModel>) {
  const started = performance.now();
  root.classList.add("nemo-widget", "nemo-timeline");
  const toolbar = element("div", "nemo-toolbar");
  const zoomOut = element("button", "nemo-button", "−");
  const zoomIn = element("button", "nemo-button", "+");
  const fit = element("button", "nemo-button", "Fit");
  const markersToggle = element("label", "nemo-toggle");
  const markersBox = element("input", "");
  markersBox.type = "checkbox";
  markersToggle.append(markersBox, " findings");
  const status = element("span", "nemo-status");
  toolbar.append(zoomOut, zoomIn, fit, markersToggle, status);
  const stage = element("div", "nemo-stage");
  const canvas = element("canvas", "nemo-canvas");
  const tooltip = element("div", "nemo-tooltip");
  tooltip.hidden = true;
  stage.append(canvas, tooltip);
  root.append(toolbar, stage);

  let lanes: Lane[] = [];
  let duration = 0;
  let scrollPx = 0;
  let colors: Palette = palette(root);
  let animation = 0;
  let painted = false;
  const images = new Map<string, HTMLImageElement>();
  let drag: { hit: Hit; x0: number; x: number; moved: boolean } | null = null;
  let scrubbing = false;

  const width = () => Math.max(200, stage.clientWidth || root.clientWidth || 800);
  const currentScale = (): Scale => {
    const s = fitScale(duration, width(), model.get("zoom"), GUTTER, scrollPx);
    scrollPx = s.scrollPx;
    return s;
  };

  canvas.setAttribute("role", "img");

  function relayout() {
    lanes = layoutLanes(model.get("tracks") ?? []);
    duration = totalDuration(lanes);
    const segments = lanes.reduce((n, lane) => n + lane.segments.length, 0);
    const names = lanes.map((lane) => `${lane.track.name} (${lane.segments.length})`).join(", ");
    canvas.setAttribute("aria-label", `Timeline, ${formatTime(duration)}: ${lanes.length} tracks, ${segments} segments: ${names}`);
    schedule();
  }

  function schedule() {
    if (!animation) animation = requestAnimationFrame(draw);
  }

  function draw() {
    animation = 0;
    const w = width();
    const h = totalHeight(lanes);
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const scale = currentScale();
    const frame: Frame = { ctx, scale, t0: xToTime(GUTTER, scale), t1: xToTime(w, scale), width: w, height: h, colors };
    drawBackground(frame);
    drawRuler(frame);
    const drawn = drawLanes(frame, lanes, model.get("selected"), thumbnail);
    if (model.get("show_markers")) drawMarkers(frame, (model.get("markers") ?? []).map((m) => m.t));
    drawPlayhead(frame, model.get("playhead") ?? 0);
    if (drag?.moved) drawGhost(frame, drag.hit.lane, drag.hit.segment, drag.x - drag.x0);
    root.dataset.drawn = String(drawn.count);
    root.dataset.drawnIds = drawn.ids.join(",");
    root.dataset.theme = colors.background;
    if (!painted && lanes.length) {
      painted = true;
      root.dataset.firstPaintMs = (performance.now() - started).toFixed(1);
    }
  }

  /** The loaded thumbnail of a segment, or null (loading starts on first ask; a redraw follows).
   *  Loaded with CORS so the canvas stays readable; when the browser cannot load it (no CORS
   *  answer, or a backend only the kernel's machine reaches), the kernel fetches it and sends the bytes. */
  function thumbnail(id: string): HTMLImageElement | null {
    const url = (model.get("thumbnails") ?? {})[id];
    if (!url) return null;
    let img = images.get(url);
    if (!img) {
      img = new Image();
      img.crossOrigin = "anonymous";
      img.onload = schedule;
      img.onerror = () => model.send({ kind: "thumbnail", url });
      img.src = url;
      images.set(url, img);
    }
    return img.complete && img.naturalWidth ? img : null;
  }

  function onMessage(msg: { kind?: string; url?: string; mime?: string }, buffers: DataView[]) {
    if (msg?.kind !== "thumbnail" || !msg.url || !buffers.length) return;
    const blob = new Blob([buffers[0] as DataView<ArrayBuffer>], { type: msg.mime || "image/jpeg" });
    const img = new Image();
    img.onload = schedule;
    img.src = URL.createObjectURL(blob);
    const old = images.get(msg.url);
    if (old?.src.startsWith("blob:")) URL.revokeObjectURL(old.src);
    images.set(msg.url, img);
  }

  function point(event: MouseEvent) {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  function seek(x: number) {
    model.set("playhead", Math.max(0, Math.min(duration, xToTime(x, currentScale()))));
    model.save_changes();
  }

  function showTooltip(hit: Hit | null, x: number, y: number) {
    if (!hit) {
      tooltip.hidden = true;
      return;
    }
    const s = hit.segment;
    tooltip.textContent = `${hit.lane.track.name} #${s.index + 1}: ${s.label || s.id}\n${formatTime(s.start)} – ${formatTime(s.end)} (${(s.end - s.start).toFixed(2)} s)`;
    tooltip.style.left = `${Math.min(x + 12, width() - 220)}px`;
    tooltip.style.top = `${y + 14}px`;
    tooltip.hidden = false;
  }

  canvas.addEventListener("mousedown", (event) => {
    const { x, y } = point(event);
    if (y < DEFAULT_GEOMETRY.rulerHeight) {
      scrubbing = true;
      seek(x);
      return;
    }
    const hit = hitTest(lanes, x, y, currentScale());
    if (hit) drag = { hit, x0: x, x, moved: false };
  });
  canvas.addEventListener("mousemove", (event) => {
    const { x, y } = point(event);
    if (scrubbing) return seek(x);
    if (drag) {
      drag.x = x;
      drag.moved ||= Math.abs(x - drag.x0) >= DRAG_THRESHOLD;
      if (drag.moved) schedule();
      return;
    }
    const hit = hitTest(lanes, x, y, currentScale());
    canvas.style.cursor = hit ? "pointer" : y < DEFAULT_GEOMETRY.rulerHeight ? "col-resize" : "default";
    showTooltip(hit, x, y);
  });
  canvas.addEventListener("mouseleave", () => (tooltip.hidden = true));
  window.addEventListener("mouseup", finishPointer);

  function finishPointer(event: MouseEvent) {
    scrubbing = false;
    if (!drag) return;
    const { hit, moved, x0 } = drag;
    drag = null;
    if (!moved) {
      model.set("selected", hit.segment.id);
      model.save_changes();
      return schedule();
    }
    const scale = currentScale();
    const s = hit.segment;
    const centre = (s.start + s.end) / 2 + (point(event).x - x0) / scale.pxPerSecond;
    const target = dropTarget(hit.lane, s, centre);
    if (target !== undefined) model.send({ kind: "move", segment: hit.segment.id, before: target });
    schedule();
  }

  canvas.addEventListener(
    "wheel",
    (event) => {
      const { x } = point(event);
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        const scale = currentScale();
        const zoom = Math.min(2000, Math.max(1, model.get("zoom") * (event.deltaY < 0 ? 1.25 : 0.8)));
        scrollPx = scrollForZoom(x, scale, (scale.pxPerSecond / model.get("zoom")) * zoom);
        model.set("zoom", zoom);
        model.save_changes();
      } else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        event.preventDefault();
        scrollPx += event.shiftKey ? event.deltaY : event.deltaX;
        schedule();
      }
    },
    { passive: false },
  );
  const zoomBy = (factor: number) => {
    const scale = currentScale();
    const zoom = Math.min(2000, Math.max(1, model.get("zoom") * factor));
    const centre = GUTTER + (width() - GUTTER) / 2;
    scrollPx = scrollForZoom(centre, scale, (scale.pxPerSecond / model.get("zoom")) * zoom);
    model.set("zoom", zoom);
    model.save_changes();
  };
  zoomIn.addEventListener("click", () => zoomBy(2));
  zoomOut.addEventListener("click", () => zoomBy(0.5));
  fit.addEventListener("click", () => {
    scrollPx = 0;
    model.set("zoom", 1);
    model.save_changes();
    schedule();
  });
  markersBox.addEventListener("change", () => {
    model.set("show_markers", markersBox.checked);
    model.save_changes();
  });

  function followPlayhead() {
    const scale = currentScale();
    const x = timeToX(model.get("playhead") ?? 0, scale);
    if (x < GUTTER || x > width() - 10) scrollPx = Math.max(0, scrollPx + x - GUTTER - 20);
    schedule();
  }

  function syncChrome() {
    const markers = model.get("markers") ?? [];
    markersToggle.hidden = markers.length === 0;
    markersBox.checked = model.get("show_markers");
    const message = model.get("message");
    status.textContent = model.get("busy") ? message || "Updating…" : message;
    root.classList.toggle("nemo-busy", model.get("busy"));
    schedule();
  }

  const handlers: [string, () => void][] = [
    ["change:tracks", relayout],
    ["change:selected", schedule],
    ["change:playhead", followPlayhead],
    ["change:zoom", schedule],
    ["change:thumbnails", schedule],
    ["change:markers", syncChrome],
    ["change:show_markers", syncChrome],
    ["change:busy", syncChrome],
    ["change:message", syncChrome],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  model.on("msg:custom", onMessage);
  const resize = new ResizeObserver(schedule);
  resize.observe(stage);
  const stopTheme = onThemeChange(() => {
    colors = palette(root);
    schedule();
  });
  relayout();
  syncChrome();

  return () => {
    for (const [name, handler] of handlers) model.off(name as never, handler);
    model.off("msg:custom", onMessage);
    for (const img of images.values()) if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    window.removeEventListener("mouseup", finishPointer);
    resize.disconnect();
    stopTheme();
    cancelAnimationFrame(animation);
  };
}

export default { render };
