// Painting the timeline on a canvas: ruler, lanes of blocks, markers, playhead, drag ghost.
// Pure drawing from a Frame; the widget (timeline.ts) owns state and interaction.

import { DEFAULT_GEOMETRY, visibleRange, type Lane, type Segment } from "./layout";
import { formatTime, tickStep, ticks, timeToX, type Scale } from "./scale";
import type { Palette } from "./theme";

/** Left margin for the track names. */
export const GUTTER = 84;
/** How many drawn segment ids are recorded (data-drawn-ids, for tests and debugging). */
const MAX_RECORDED_IDS = 500;

export interface Frame {
  ctx: CanvasRenderingContext2D;
  scale: Scale;
  /** Visible time range. */
  t0: number;
  t1: number;
  width: number;
  height: number;
  colors: Palette;
}

export interface Drawn {
  count: number;
  ids: string[];
}

export function drawBackground({ ctx, width, height, colors }: Frame) {
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
}

export function drawRuler({ ctx, scale, t0, t1, width, colors }: Frame) {
  const { rulerHeight } = DEFAULT_GEOMETRY;
  ctx.fillStyle = colors.lane;
  ctx.fillRect(0, 0, width, rulerHeight);
  ctx.strokeStyle = colors.border;
  ctx.fillStyle = colors.muted;
  ctx.font = "11px var(--jp-ui-font-family, sans-serif)";
  ctx.textBaseline = "middle";
  for (const t of ticks(Math.max(0, t0), t1, tickStep(scale.pxPerSecond))) {
    const x = Math.round(timeToX(t, scale)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, rulerHeight - 7);
    ctx.lineTo(x, rulerHeight);
    ctx.stroke();
    ctx.fillText(formatTime(t), x + 3, rulerHeight / 2);
  }
}

/** Every lane and its visible segments; `thumbnail(id)` gives a loaded image or null. */
export function drawLanes(frame: Frame, lanes: Lane[], selected: string, thumbnail: (id: string) => HTMLImageElement | null): Drawn {
  const { ctx, t0, t1, width, colors } = frame;
  const drawn: Drawn = { count: 0, ids: [] };
  ctx.font = "12px var(--jp-ui-font-family, sans-serif)";
  for (const lane of lanes) {
    ctx.fillStyle = colors.lane;
    ctx.fillRect(0, lane.y, width, lane.height);
    ctx.fillStyle = colors.text;
    ctx.textBaseline = "middle";
    ctx.fillText(clipText(ctx, lane.track.name, GUTTER - 10), 6, lane.y + lane.height / 2);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, lane.y, width - GUTTER, lane.height);
    ctx.clip();
    const [from, to] = visibleRange(lane, t0, t1);
    const fill = colors.segment[lane.track.type] ?? colors.segment.other;
    for (let i = from; i < to; i++) {
      const segment = lane.segments[i];
      if (drawBlock(frame, lane, segment, fill, segment.id === selected, thumbnail(segment.id))) {
        drawn.count++;
        if (drawn.ids.length < MAX_RECORDED_IDS) drawn.ids.push(segment.id);
      }
    }
    ctx.restore();
  }
  return drawn;
}

function drawBlock(
  { ctx, scale, colors }: Frame,
  lane: Lane,
  s: Segment,
  fill: string,
  selected: boolean,
  thumb: HTMLImageElement | null,
): boolean {
  const x = timeToX(s.start, scale);
  const width = Math.max(1, (s.end - s.start) * scale.pxPerSecond - 1);
  if (x + width < GUTTER) return false;
  ctx.fillStyle = fill;
  ctx.fillRect(x, lane.y + 2, width, lane.height - 4);
  let textX = x + 4;
  if (thumb && width > 40) {
    const th = lane.height - 6;
    const tw = Math.min(width / 2, (th * thumb.naturalWidth) / thumb.naturalHeight);
    ctx.drawImage(thumb, x + 2, lane.y + 3, tw, th);
    textX += tw + 2;
  }
  if (selected) {
    ctx.strokeStyle = colors.selection;
    ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, lane.y + 3, width - 2, lane.height - 6);
    ctx.lineWidth = 1;
  }
  const room = x + width - textX - 4;
  if (room > 14) {
    ctx.fillStyle = colors.text;
    ctx.fillText(clipText(ctx, s.label, room), textX, lane.y + lane.height / 2);
  }
  return true;
}

export function drawMarkers({ ctx, scale, height, colors }: Frame, times: number[]) {
  ctx.strokeStyle = colors.marker;
  ctx.setLineDash([3, 3]);
  for (const t of times) {
    const x = Math.round(timeToX(t, scale)) + 0.5;
    if (x < GUTTER) continue;
    ctx.beginPath();
    ctx.moveTo(x, DEFAULT_GEOMETRY.rulerHeight);
    ctx.lineTo(x, height);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

export function drawPlayhead({ ctx, scale, height, colors }: Frame, t: number) {
  const x = Math.round(timeToX(t, scale)) + 0.5;
  if (x < GUTTER) return;
  ctx.strokeStyle = colors.playhead;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, height);
  ctx.stroke();
  ctx.lineWidth = 1;
}

/** The dragged segment, shifted by `dx` pixels, half transparent. */
export function drawGhost({ ctx, scale, colors }: Frame, lane: Lane, segment: Segment, dx: number) {
  ctx.globalAlpha = 0.5;
  ctx.fillStyle = colors.selection;
  ctx.fillRect(timeToX(segment.start, scale) + dx, lane.y + 2, Math.max(2, (segment.end - segment.start) * scale.pxPerSecond), lane.height - 4);
  ctx.globalAlpha = 1;
}

/** `text` cut with an ellipsis to fit `room` pixels. */
export function clipText(ctx: CanvasRenderingContext2D, text: string, room: number): string {
  if (ctx.measureText(text).width <= room) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + "…").width <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo ? text.slice(0, lo) + "…" : "";
}
