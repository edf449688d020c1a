// Lanes of the timeline: one per track, segments sorted by start, with the running maximum of
// their ends so the visible ones are found by binary search (10 000 segments stay cheap).
// Segments that overlap on one track are stacked in rows (at most MAX_ROWS; the lane grows).

/** What a segment carries besides its block (widgets/timeline.py `segment_marks`). */
export interface SegmentMarks {
  /** The transition into the segment, at its start: "crossfade", "dip_to_black", … */
  transition?: string;
  transition_ms?: number;
}

/** A track as the Python side sends it (compact: segments are tuples). */
export interface TrackData {
  id: string;
  type: "video" | "audio" | "text" | string;
  name: string;
  /** Whether dragging reorders this track's segments (the main video track). */
  reorderable?: boolean;
  /** [start_s, duration_s, label, segment_id, marks?] */
  segments: ([number, number, string, string] | [number, number, string, string, SegmentMarks])[];
}

export interface Segment {
  id: string;
  start: number;
  end: number;
  label: string;
  /** Position within its track, in the order the draft lists them. */
  index: number;
  /** Stacking row within its lane (0 unless it overlaps an earlier segment). */
  row: number;
  /** Seconds of the transition into it (0: a plain cut), and its kind. */
  transitionS: number;
  transition: string;
}

export interface Lane {
  track: TrackData;
  y: number;
  height: number;
  /** How many stacking rows the lane has (1 when no segments overlap). */
  rows: number;
  /** How far (s) the widest transition mark reaches before its cut. */
  transitionReach: number;
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
/** Overlaps deeper than this share the last row (drawn on top, with a border). */
export const MAX_ROWS = 3;

export function layoutLanes(tracks: TrackData[], geometry: LaneGeometry = DEFAULT_GEOMETRY): Lane[] {
  let y = geometry.rulerHeight + geometry.gap;
  return tracks.map((track) => {
    const segments: Segment[] = track.segments.map(([start, duration, label, id, marks], index) => ({
      id,
      start,
      end: start + Math.max(0, duration),
      label,
      index,
      row: 0,
      transitionS: Math.max(0, (marks?.transition_ms ?? 0) / 1000),
      transition: marks?.transition ?? "",
    }));
    segments.sort((a, b) => a.start - b.start || a.index - b.index);
    const prefixMaxEnd: number[] = [];
    let max = -Infinity;
    for (const s of segments) {
      max = Math.max(max, s.end);
      prefixMaxEnd.push(max);
    }
    const rows = stackRows(segments);
    const height = rows * geometry.laneHeight;
    const transitionReach = segments.reduce((most, s) => Math.max(most, s.transitionS / 2), 0);
    const lane = { track, y, height, rows, transitionReach, segments, prefixMaxEnd };
    y += height + geometry.gap;
    return lane;
  });
}

/** Gives each segment (sorted by start) the first row free at its start, the one that frees
 *  soonest when all MAX_ROWS are taken; returns how many rows are used. */
export function stackRows(segments: Segment[]): number {
  const rowEnds: number[] = [];
  for (const s of segments) {
    let row = rowEnds.findIndex((end) => end <= s.start);
    if (row < 0 && rowEnds.length < MAX_ROWS) row = rowEnds.length;
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = Math.max(rowEnds[row] ?? -Infinity, s.end);
    s.row = row;
  }
  return Math.max(1, rowEnds.length);
}

/** The stacking row of a lane at height `y`. */
export function rowAt(lane: Lane, y: number, geometry: LaneGeometry = DEFAULT_GEOMETRY): number {
  return Math.min(lane.rows - 1, Math.max(0, Math.floor((y - lane.y) / geometry.laneHeight)));
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
