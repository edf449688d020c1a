// Lanes of the timeline: one per track, segments sorted by start, with the running maximum of
// their ends so the visible ones are found by binary search (10 000 segments stay cheap).

/** A track as the Python side sends it (compact: segments are tuples). */
export interface TrackData {
  id: string;
  type: "video" | "audio" | "text" | string;
  name: string;
  /** [start_s, duration_s, label, segment_id] */
  segments: [number, number, string, string][];
}

export interface Segment {
  id: string;
  start: number;
  end: number;
  label: string;
  /** Position within its track, in the order the draft lists them. */
  index: number;
}

export interface Lane {
  track: TrackData;
  y: number;
  height: number;
  /** Sorted by start. */
  segments: Segment[];
  /** prefixMaxEnd[i] = max(end of segments[0..i]). */
  prefixMaxEnd: number[];
}

export interface LaneGeometry {
  rulerHeight: number;
  laneHeight: number;
  gap: number;
}

export const DEFAULT_GEOMETRY: LaneGeometry = { rulerHeight: 24, laneHeight: 34, gap: 4 };

export function layoutLanes(tracks: TrackData[], geometry: LaneGeometry = DEFAULT_GEOMETRY): Lane[] {
  let y = geometry.rulerHeight + geometry.gap;
  return tracks.map((track) => {
    const segments = track.segments.map(([start, duration, label, id], index) => ({
      id,
      start,
      end: start + Math.max(0, duration),
      label,
      index,
    }));
    segments.sort((a, b) => a.start - b.start || a.index - b.index);
    const prefixMaxEnd: number[] = [];
    let max = -Infinity;
    for (const s of segments) {
      max = Math.max(max, s.end);
      prefixMaxEnd.push(max);
    }
    const lane = { track, y, height: geometry.laneHeight, segments, prefixMaxEnd };
    y += geometry.laneHeight + geometry.gap;
    return lane;
  });
}

export function totalHeight(lanes: Lane[], geometry: LaneGeometry = DEFAULT_GEOMETRY): number {
  if (lanes.length === 0) return geometry.rulerHeight + geometry.gap;
  const last = lanes[lanes.length - 1];
  return last.y + last.height + geometry.gap;
}

export function totalDuration(lanes: Lane[]): number {
  let end = 0;
  for (const lane of lanes) {
    const n = lane.prefixMaxEnd.length;
    if (n) end = Math.max(end, lane.prefixMaxEnd[n - 1]);
  }
  return end;
}

/** First index whose start is > t (upper bound on starts). */
export function upperBound(lane: Lane, t: number): number {
  let lo = 0;
  let hi = lane.segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lane.segments[mid].start <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [from, to) of segments that may intersect [t0, t1]. */
export function visibleRange(lane: Lane, t0: number, t1: number): [number, number] {
  let lo = 0;
  let hi = lane.prefixMaxEnd.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lane.prefixMaxEnd[mid] < t0) lo = mid + 1;
    else hi = mid;
  }
  return [lo, upperBound(lane, t1)];
}
