// Hit-testing: which segment is under a point, and where a dragged segment would land.

import { type Lane, type Segment, upperBound } from "./layout";
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

/** The segment under (x, y); when segments overlap, the one drawn last (on top) wins. */
export function hitTest(lanes: Lane[], x: number, y: number, scale: Scale): Hit | null {
  if (x < scale.gutterPx) return null;
  const lane = laneAt(lanes, y);
  if (!lane) return null;
  const t = xToTime(x, scale);
  for (let i = upperBound(lane, t) - 1; i >= 0 && lane.prefixMaxEnd[i] >= t; i--) {
    const s = lane.segments[i];
    if (t >= s.start && t < s.end) return { lane, segment: s };
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
