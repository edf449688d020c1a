// Time <-> pixel mapping for the timeline: one horizontal scale shared by drawing and hit-testing.

export interface Scale {
  /** Pixels for one second of timeline. */
  pxPerSecond: number;
  /** Horizontal scroll, in pixels of the zoomed timeline. */
  scrollPx: number;
  /** Left margin (track names) before time 0. */
  gutterPx: number;
}

/** The scale at which `zoom = 1` fits `durationS` into `widthPx` (after the gutter). */
export function fitScale(durationS: number, widthPx: number, zoom: number, gutterPx = 0, scrollPx = 0): Scale {
  const usable = Math.max(1, widthPx - gutterPx);
  const seconds = Math.max(durationS, 0.001);
  const pxPerSecond = (usable / seconds) * Math.max(zoom, 0.01);
  return { pxPerSecond, gutterPx, scrollPx: clampScroll(scrollPx, seconds * pxPerSecond, usable) };
}

export function timeToX(seconds: number, scale: Scale): number {
  return scale.gutterPx + seconds * scale.pxPerSecond - scale.scrollPx;
}

export function xToTime(x: number, scale: Scale): number {
  return (x - scale.gutterPx + scale.scrollPx) / scale.pxPerSecond;
}

/** Keeps the scroll inside [0, content - viewport]. */
export function clampScroll(scrollPx: number, contentPx: number, viewportPx: number): number {
  return Math.min(Math.max(0, scrollPx), Math.max(0, contentPx - viewportPx));
}

/**
 * Scroll that keeps the time under `anchorX` fixed when the zoom changes from `before` to `after`
 * pixels per second (zooming "around the mouse").
 */
export function scrollForZoom(anchorX: number, scale: Scale, afterPxPerSecond: number): number {
  const t = xToTime(anchorX, scale);
  return t * afterPxPerSecond - (anchorX - scale.gutterPx);
}

/** A "nice" ruler step (1, 2 or 5 x 10^n seconds) giving at least `minPx` between ticks. */
export function tickStep(pxPerSecond: number, minPx = 70): number {
  const raw = minPx / Math.max(pxPerSecond, 1e-9);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

/** Tick times visible between `t0` and `t1` for the given step. */
export function ticks(t0: number, t1: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.max(0, Math.ceil(t0 / step) * step);
  for (let t = first; t <= t1 + 1e-9 && out.length < 1000; t += step) out.push(Number(t.toFixed(6)));
  return out;
}

/** "1:05.5" style label for a ruler tick or a tooltip. */
export function formatTime(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(seconds);
  const minutes = Math.floor(s / 60);
  const rest = s - minutes * 60;
  const secText = Number.isInteger(Math.round(rest * 10) / 10) ? rest.toFixed(0) : rest.toFixed(1);
  return `${sign}${minutes}:${secText.padStart(secText.includes(".") ? 4 : 2, "0")}`;
}
