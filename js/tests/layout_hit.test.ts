import { describe, expect, it } from "vitest";
import { dropTarget, hitTest } from "../src/hit";
import { DEFAULT_GEOMETRY, layoutLanes, totalDuration, totalHeight, visibleRange, type TrackData } from "../src/layout";
import { fitScale, timeToX } from "../src/scale";

const video: TrackData = {
  id: "v",
  type: "video",
  name: "Video",
  segments: [
    [4, 2, "c", "s3"],
    [0, 2, "a", "s1"],
    [2, 2, "b", "s2"],
  ],
};
const text: TrackData = { id: "t", type: "text", name: "Title", segments: [[0, 3, '"Hi"', "x1"]] };

describe("layout", () => {
  it("puts one lane per track below the ruler, segments sorted by start", () => {
    const lanes = layoutLanes([video, text]);
    expect(lanes.map((l) => l.y)).toEqual([
      DEFAULT_GEOMETRY.rulerHeight + DEFAULT_GEOMETRY.gap,
      DEFAULT_GEOMETRY.rulerHeight + 2 * DEFAULT_GEOMETRY.gap + DEFAULT_GEOMETRY.laneHeight,
    ]);
    expect(lanes[0].segments.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
    expect(lanes[0].segments.map((s) => s.index)).toEqual([1, 2, 0]);
    expect(totalDuration(lanes)).toBe(6);
    expect(totalHeight(lanes)).toBe(lanes[1].y + DEFAULT_GEOMETRY.laneHeight + DEFAULT_GEOMETRY.gap);
  });

  it("finds the visible range of 10 000 segments by binary search", () => {
    const many: TrackData = { id: "m", type: "video", name: "M", segments: [] };
    for (let i = 0; i < 10_000; i++) many.segments.push([i * 0.5, 0.5, `c${i}`, `s${i}`]);
    const [lane] = layoutLanes([many]);
    const [from, to] = visibleRange(lane, 100, 110);
    expect(lane.segments[from].id).toBe("s199");
    expect(lane.segments[to - 1].id).toBe("s220");
    const brute = lane.segments.filter((s) => s.end >= 100 && s.start <= 110).map((s) => s.id);
    expect(lane.segments.slice(from, to).filter((s) => s.end >= 100).map((s) => s.id)).toEqual(brute);
  });

  it("keeps long overlapping segments visible (running max of ends)", () => {
    const [lane] = layoutLanes([{ id: "o", type: "audio", name: "Music", segments: [[0, 100, "bgm", "m"], [10, 1, "x", "x"]] }]);
    const [from, to] = visibleRange(lane, 50, 60);
    expect(lane.segments.slice(from, to).map((s) => s.id)).toContain("m");
  });
});

describe("hit-testing", () => {
  const lanes = layoutLanes([video, text]);
  const scale = fitScale(6, 684, 1, 84);
  const centreY = (i: number) => lanes[i].y + lanes[i].height / 2;

  it("finds the segment under a point", () => {
    expect(hitTest(lanes, timeToX(3, scale), centreY(0), scale)?.segment.id).toBe("s2");
    expect(hitTest(lanes, timeToX(0.1, scale), centreY(0), scale)?.segment.id).toBe("s1");
    expect(hitTest(lanes, timeToX(1, scale), centreY(1), scale)?.segment.id).toBe("x1");
  });

  it("misses the gutter, the ruler, gaps and empty time", () => {
    expect(hitTest(lanes, 10, centreY(0), scale)).toBeNull();
    expect(hitTest(lanes, timeToX(1, scale), 5, scale)).toBeNull();
    expect(hitTest(lanes, timeToX(4, scale), centreY(1), scale)).toBeNull();
    expect(hitTest(lanes, timeToX(1, scale), lanes[0].y + lanes[0].height + 1, scale)).toBeNull();
  });

  it("finds overlapping segments in their own stacking rows", () => {
    const [lane] = layoutLanes([{ id: "o", type: "audio", name: "A", segments: [[0, 10, "long", "L"], [2, 1, "short", "S"]] }]);
    const s = fitScale(10, 1084, 1, 84);
    const row = (r: number) => lane.y + r * DEFAULT_GEOMETRY.laneHeight + 5;
    expect(hitTest([lane], timeToX(2.5, s), row(1), s)?.segment.id).toBe("S");
    expect(hitTest([lane], timeToX(2.5, s), row(0), s)?.segment.id).toBe("L");
    expect(hitTest([lane], timeToX(5, s), row(1), s)).toBeNull();
  });

  it("turns a drop position into 'before which segment'", () => {
    const lane = lanes[0];
    const [s1, s2, s3] = lane.segments;
    expect(dropTarget(lane, s3, 0.5)).toBe("s1");
    expect(dropTarget(lane, s1, 3.5)).toBe("s3");
    expect(dropTarget(lane, s1, 5.5)).toBeNull();
    expect(dropTarget(lane, s2, 3)).toBeUndefined();
    expect(dropTarget(lane, s3, 5.9)).toBeUndefined();
  });
});
