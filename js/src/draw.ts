// Painting the timeline on a canvas: ruler, lanes of blocks, transition marks, markers, playhead,
// drag ghost and insertion marker. Pure drawing from a Frame; the widget (timeline.ts) owns state
// and interaction. The canvas stays transparent where nothing is drawn: the cell's own background
// shows through (no slab of another grey in dark themes).

import { DEFAULT_GEOMETRY, visibleRange, type Lane, type Segment } from "./layout";
import { formatTime, tickStep, ticks, timeToX, type Scale } from "./scale";
import type { Palette } from "./theme";

/** Left margin for the track names. */
export const GUTTER = 84;
/** How many drawn segment ids are recorded (data-drawn-ids, for tests and debugging). */
const MAX_RECORDED_IDS = 500;
const { laneHeight: ROW } = DEFAULT_GEOMETRY;

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

export function drawBackground({ ctx, width, height }: Frame) {
  ctx.clearRect(0, 0, width, height);
}

export function drawRuler({ ctx, scale, t0, t1, width, colors }: Frame) {
  const { rulerHeight } = DEFAULT_GEOMETRY;
  ctx.strokeStyle = colors.border;
  ctx.beginPath();
  ctx.moveTo(0, rulerHeight - 0.5);
  ctx.lineTo(width, rulerHeight - 0.5);
  ctx.stroke();
  ctx.fillStyle = colors.muted;
  ctx.font = colors.smallFont;
  ctx.textBaseline = "middle";
  for (const t of ticks(Math.max(0, t0), t1, tickStep(scale.pxPerSecond))) {
    const x = Math.round(timeToX(t, scale)) + 0.5;
    if (x < GUTTER) continue;
    ctx.beginPath();
    ctx.moveTo(x, rulerHeight - 7);
    ctx.lineTo(x, rulerHeight);
    ctx.stroke();
    ctx.fillText(formatTime(t), x + 3, rulerHeight / 2 - 2);
  }
}

/** Every lane and its visible segments; `thumbnail(id)` gives a loaded image or null. */
export function drawLanes(frame: Frame, lanes: Lane[], selected: string, thumbnail: (id: string) => HTMLImageElement | null): Drawn {
  const { ctx, t0, t1, width, colors } = frame;
  const drawn: Drawn = { count: 0, ids: [] };
  ctx.font = colors.font;
  ctx.textBaseline = "middle";
  for (const lane of lanes) {
    ctx.fillStyle = colors.lane;
    ctx.fillRect(0, lane.y, width, lane.height);
    ctx.fillStyle = colors.text;
    ctx.fillText(clipText(ctx, lane.track.name, GUTTER - 10), 6, lane.y + ROW / 2);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, lane.y, width - GUTTER, lane.height);
    ctx.clip();
    const [from, to] = visibleRange(lane, t0, t1 + lane.transitionReach);
    const fill = colors.segment[lane.track.type] ?? colors.segment.other;
    let selectedSegment: Segment | null = null;
    for (let i = from; i < to; i++) {
      const segment = lane.segments[i];
      if (segment.id === selected) selectedSegment = segment;
      if (drawBlock(frame, lane, segment, fill, thumbnail(segment.id), segment.id === selected)) {
        drawn.count++;
        if (drawn.ids.length < MAX_RECORDED_IDS) drawn.ids.push(segment.id);
      }
    }
    for (let i = from; i < to; i++) if (lane.segments[i].transitionS > 0) drawTransition(frame, lane, lane.segments[i]);
    if (selectedSegment) drawSelection(frame, lane, selectedSegment);
    ctx.restore();
  }
  return drawn;
}

/** The block's box: its stacking row, inset by 2 px. */
function box(scale: Scale, lane: Lane, s: Segment) {
  const x = timeToX(s.start, scale);
  return { x, y: lane.y + s.row * ROW + 2, w: Math.max(1, (s.end - s.start) * scale.pxPerSecond - 1), h: ROW - 4 };
}

function drawBlock(
  { ctx, scale, colors }: Frame,
  lane: Lane,
  s: Segment,
  fill: string,
  thumb: HTMLImageElement | null,
  selected: boolean,
): boolean {
  const { x, y, w, h } = box(scale, lane, s);
  if (x + w < GUTTER) return false;
  ctx.fillStyle = fill;
  ctx.fillRect(x, y, w, h);
  if (lane.rows > 1) {
    // stacked (overlapping) blocks: an edge in the text colour, so two blocks never read as one
    ctx.strokeStyle = colors.text;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  }
  // the part on screen: a block whose start is scrolled off keeps its picture and label in view
  const left = Math.max(x, GUTTER);
  // clear of the transition mark, and of the selection's rings
  let textX = Math.max(left, x + transitionHalf(scale, s)) + (selected ? 7 : 4);
  const shown = x + w - left;
  if (thumb && shown > 40) {
    const th = h - 2;
    const tw = Math.min(shown / 2, (th * thumb.naturalWidth) / thumb.naturalHeight);
    ctx.drawImage(thumb, left + 1, y + 1, tw, th);
    textX += tw + 2;
  }
  const room = x + w - textX - 4;
  if (room > 14) {
    ctx.fillStyle = colors.text;
    ctx.fillText(clipText(ctx, s.label, room), textX, y + h / 2);
  }
  return true;
}

/** The selected block: tinted with the selection colour, a thick ring in the text colour and a thin
 *  one in the background's inside; on the part on screen, so a block scrolled half off still shows
 *  it is selected. */
function drawSelection({ ctx, scale, colors, width }: Frame, lane: Lane, s: Segment) {
  const { x: start, y, w: fullWidth, h } = box(scale, lane, s);
  const x = Math.max(start, GUTTER - 2);
  const w = Math.min(start + fullWidth, width + 2) - x;
  if (w <= 0) return;
  ctx.globalAlpha = 0.25;
  ctx.fillStyle = colors.selection;
  ctx.fillRect(x, y, w, h);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = colors.text; // blocks are blue like the theme's brand colour: the ring is ink
  ctx.lineWidth = 3;
  ctx.strokeRect(x + 1.5, y + 1.5, Math.max(1, w - 3), h - 3);
  ctx.strokeStyle = colors.background;
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 3.5, y + 3.5, Math.max(1, w - 7), h - 7);
}

/** Half the width (px) of the mark of the transition into `s` (0 for a plain cut). */
function transitionHalf(scale: Scale, s: Segment): number {
  return s.transitionS > 0 ? Math.max(3, (s.transitionS * scale.pxPerSecond) / 2) : 0;
}

/** A transition into `s`: a bow-tie spanning its length, centred on the cut (dark for a dip to black). */
function drawTransition({ ctx, scale, colors }: Frame, lane: Lane, s: Segment) {
  const { x, y, h } = box(scale, lane, s);
  const half = transitionHalf(scale, s);
  const mid = y + h / 2;
  ctx.beginPath();
  ctx.moveTo(x - half, y + 2);
  ctx.lineTo(x + half, y + h - 2);
  ctx.lineTo(x + half, y + 2);
  ctx.lineTo(x - half, y + h - 2);
  ctx.closePath();
  ctx.fillStyle = s.transition === "dip_to_black" ? "rgba(0,0,0,0.55)" : colors.transition;
  ctx.fill();
  ctx.strokeStyle = colors.text;
  ctx.stroke();
  ctx.fillStyle = colors.text;
  ctx.fillRect(x - 0.5, mid - 3, 1, 6);
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
  const { x, y, w, h } = box(scale, lane, segment);
  ctx.globalAlpha = 0.5;
  ctx.fillStyle = colors.selection;
  ctx.fillRect(x + dx, y, Math.max(2, w), h);
  ctx.globalAlpha = 1;
}

/** Where the dragged segment would go: a bar across the lane at time `t`, with a notch top and bottom. */
export function drawInsertion({ ctx, scale, colors }: Frame, lane: Lane, t: number) {
  const x = Math.round(timeToX(t, scale));
  const top = lane.y;
  const bottom = lane.y + lane.height;
  ctx.fillStyle = colors.text; // the ghost is in the selection colour: the marker stands out from it
  ctx.fillRect(x - 1.5, top, 3, lane.height);
  for (const [edge, dir] of [[top, 1], [bottom, -1]] as const) {
    ctx.beginPath();
    ctx.moveTo(x - 6, edge);
    ctx.lineTo(x + 6, edge);
    ctx.lineTo(x, edge + 7 * dir);
    ctx.closePath();
    ctx.fill();
  }
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
