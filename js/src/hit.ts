// Hit-testing: which segment is under a point, where a dragged segment would land, and where a
// tooltip fits.

import { type Lane, rowAt, type Segment, upperBound } from "./layout";
import { type Scale, xToTime } from "./scale";

export interface Hit {
  lane: Lane;
  segment: Segment;
}

export function laneAt(lanes: Lane[], y: number): Lane | null {
  for (const lane of lanes) {
    if (y >= lane.y && y < lane.y + lane.height) return lane;
  }
  return null;
}

/** The segment under (x, y), in the stacking row under y; when segments still overlap there, the
 *  one drawn last (on top) wins. */
export function hitTest(lanes: Lane[], x: number, y: number, scale: Scale): Hit | null {
  if (x < scale.gutterPx) return null;
  const lane = laneAt(lanes, y);
  if (!lane) return null;
  const t = xToTime(x, scale);
  const row = rowAt(lane, y);
  for (let i = upperBound(lane, t) - 1; i >= 0 && lane.prefixMaxEnd[i] >= t; i--) {
    const s = lane.segments[i];
    if (t >= s.start && t < s.end && s.row === row) return { lane, segment: s };
  }
  return null;
}

/**
 * Where a segment dropped at time `t` goes in its lane: the id of the segment it should be placed
 * before (null = at the end), or undefined when the drop would not change the order.
 */
export function dropTarget(lane: Lane, dragged: Segment, t: number): string | null | undefined {
  const others = lane.segments.filter((s) => s.id !== dragged.id);
  const before = others.find((s) => t < (s.start + s.end) / 2);
  const currentPos = lane.segments.indexOf(dragged);
  const nextNow = lane.segments[currentPos + 1];
  const targetId = before ? before.id : null;
  if ((nextNow ? nextNow.id : null) === targetId) return undefined;
  return targetId;
}

/** The time where the insertion marker of a drop at `t` stands: the start of the segment it goes
 *  before, or the end of the lane; undefined when the drop would not change the order. */
export function insertionTime(lane: Lane, dragged: Segment, t: number): number | undefined {
  const target = dropTarget(lane, dragged, t);
  if (target === undefined) return undefined;
  if (target !== null) return lane.segments.find((s) => s.id === target)?.start;
  const last = lane.segments.filter((s) => s.id !== dragged.id).pop();
  return last ? last.end : 0;
}

/** Top-left of a `width`×`height` tooltip for the pointer at (x, y) inside a `boxWidth`×`boxHeight`
 *  stage: below and right of the pointer, flipped above or left where it would be cut off. */
export function placeTooltip(x: number, y: number, width: number, height: number, boxWidth: number, boxHeight: number) {
  const GAP = 12;
  let left = x + GAP;
  if (left + width > boxWidth) left = Math.max(0, Math.min(x - GAP - width, boxWidth - width));
  let top = y + GAP;
  if (top + height > boxHeight) top = Math.max(0, y - GAP - height);
  return { left, top };
}
