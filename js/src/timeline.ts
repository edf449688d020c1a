// TimelineWidget: tracks as lanes of blocks on a canvas, a ruler, zoom and scroll, a playhead.
// Clicks select (the `selected` trait); a drag asks Python for an edit (`move` message) and never
// changes the order locally: the new order arrives with the refreshed `tracks` trait. The canvas
// is as wide as its container (ResizeObserver), drawn at the screen's pixel ratio, in the theme's
// font and colours, read again at each paint (a theme switch repaints).

import type { RenderProps } from "@anywidget/types";
import "./styles.css";
import { element } from "./dom";
import { dropTarget, hitTest, insertionTime, placeTooltip, type Hit } from "./hit";
import { drawBackground, drawGhost, drawInsertion, drawLanes, drawMarkers, drawPlayhead, drawRuler, GUTTER, type Frame } from "./draw";
import { DEFAULT_GEOMETRY, layoutLanes, totalDuration, totalHeight, type Lane, type TrackData } from "./layout";
import { fitScale, formatTime, scrollForZoom, timeToX, xToTime, type Scale } from "./scale";
import { onThemeChange, palette } from "./theme";

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
  let animation = 0;
  /** What the widget itself says in the status line (a refused drag), until the next press. */
  let note = "";
  let painted = false;
  const images = new Map<string, HTMLImageElement>();
  let drag: { hit: Hit; x0: number; x: number; moved: boolean } | null = null;
  let scrubbing = false;

  /** The container's width: the canvas follows it. While the browser skips the cell's layout (Lab's
   *  off-screen windowing, a theme switch) it reads 0: then the last width it had (a first guess
   *  before any layout), never a fixed fallback that no resize event would correct. */
  let knownWidth = 0;
  const width = () => {
    knownWidth = stage.clientWidth || knownWidth;
    return Math.max(200, knownWidth || root.clientWidth || 800);
  };
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
    tooltip.hidden = true; // it may describe a segment that moved or went
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
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const colors = palette(root);
    const scale = currentScale();
    const frame: Frame = { ctx, scale, t0: xToTime(GUTTER, scale), t1: xToTime(w, scale), width: w, height: h, colors };
    drawBackground(frame);
    drawRuler(frame);
    const drawn = drawLanes(frame, lanes, model.get("selected"), thumbnail);
    root.dataset.font = ctx.font; // as the canvas took it (an invalid font would read "10px sans-serif")
    if (model.get("show_markers")) drawMarkers(frame, (model.get("markers") ?? []).map((m) => m.t));
    drawPlayhead(frame, model.get("playhead") ?? 0);
    if (drag?.moved && drag.hit.lane.track.reorderable !== false) {
      drawGhost(frame, drag.hit.lane, drag.hit.segment, drag.x - drag.x0);
      const at = insertionTime(drag.hit.lane, drag.hit.segment, dropTime(drag));
      if (at !== undefined) drawInsertion(frame, drag.hit.lane, at);
    }
    root.dataset.drawn = String(drawn.count);
    root.dataset.drawnIds = drawn.ids.join(",");
    root.dataset.width = String(w);
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

  /** The tooltip of the segment under the pointer, placed inside the stage (above the pointer on
   *  the bottom lane, left of it at the right edge); hidden when there is none. */
  function showTooltip(hit: Hit | null, x: number, y: number) {
    if (!hit) {
      tooltip.hidden = true;
      return;
    }
    const s = hit.segment;
    const into = s.transitionS ? `\n${s.transition.replace(/_/g, " ")} in, ${s.transitionS.toFixed(2)} s` : "";
    tooltip.textContent = `${hit.lane.track.name} #${s.index + 1}: ${s.label || s.id}\n${formatTime(s.start)} – ${formatTime(s.end)} (${(s.end - s.start).toFixed(2)} s)${into}`;
    tooltip.hidden = false;
    const { left, top } = placeTooltip(x, y, tooltip.offsetWidth, tooltip.offsetHeight, stage.clientWidth, stage.clientHeight);
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
  }

  /** Where the dragged block's centre is now, in timeline seconds. */
  function dropTime({ hit, x, x0 }: { hit: Hit; x: number; x0: number }): number {
    return (hit.segment.start + hit.segment.end) / 2 + (x - x0) / currentScale().pxPerSecond;
  }

  function say(text: string) {
    note = text;
    syncChrome();
  }

  canvas.addEventListener("mousedown", (event) => {
    const { x, y } = point(event);
    tooltip.hidden = true;
    if (note) say("");
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
      if (!drag.moved && Math.abs(x - drag.x0) >= DRAG_THRESHOLD) {
        drag.moved = true;
        const movable = drag.hit.lane.track.reorderable !== false;
        canvas.style.cursor = movable ? "grabbing" : "not-allowed";
        if (!movable) say(`${drag.hit.lane.track.name} cannot be reordered by dragging: only the scenes of the main video track can.`);
      }
      if (drag.moved) schedule();
      return;
    }
    if (event.buttons) return; // a press that began elsewhere: no tooltip until it ends
    const hit = hitTest(lanes, x, y, currentScale());
    canvas.style.cursor = hit ? "pointer" : y < DEFAULT_GEOMETRY.rulerHeight ? "col-resize" : "default";
    showTooltip(hit, x, y);
  });
  canvas.addEventListener("mouseleave", () => (tooltip.hidden = true));
  window.addEventListener("mouseup", finishPointer);

  function finishPointer(event: MouseEvent) {
    scrubbing = false;
    if (!drag) return;
    const current = { ...drag, x: point(event).x };
    drag = null;
    tooltip.hidden = true;
    canvas.style.cursor = "default";
    const { hit, moved } = current;
    if (!moved) {
      model.set("selected", hit.segment.id);
      model.save_changes();
      return schedule();
    }
    if (hit.lane.track.reorderable !== false) {
      const target = dropTarget(hit.lane, hit.segment, dropTime(current));
      if (target !== undefined) model.send({ kind: "move", segment: hit.segment.id, before: target });
    }
    schedule();
  }

  canvas.addEventListener(
    "wheel",
    (event) => {
      const { x } = point(event);
      tooltip.hidden = true;
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
    status.textContent = note || (model.get("busy") ? message || "Updating…" : message);
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
    ["change:message", () => say("")],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  model.on("msg:custom", onMessage);
  const resize = new ResizeObserver(schedule);
  resize.observe(stage);
  const shown = new IntersectionObserver(schedule); // back on screen: paint at the width it has now
  shown.observe(stage);
  window.addEventListener("resize", schedule); // also when the pixel ratio changes (browser zoom)
  const stopTheme = onThemeChange(schedule);
  relayout();
  syncChrome();

  return () => {
    for (const [name, handler] of handlers) model.off(name as never, handler);
    model.off("msg:custom", onMessage);
    for (const img of images.values()) if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    window.removeEventListener("mouseup", finishPointer);
    window.removeEventListener("resize", schedule);
    resize.disconnect();
    shown.disconnect();
    stopTheme();
    cancelAnimationFrame(animation);
  };
}

export default { render };
