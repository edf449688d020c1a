// The pure logic behind the timeline's finish: stacking of overlapping segments, transition marks,
// the insertion marker, tooltip placement, canvas fonts.
import { describe, expect, it } from "vitest";
import { insertionTime, placeTooltip } from "../src/hit";
import { DEFAULT_GEOMETRY, layoutLanes, MAX_ROWS, rowAt, totalHeight, type TrackData } from "../src/layout";
import { canvasFont, MIN_FONT_PX, readablePx, SEGMENT_FILLS } from "../src/theme";

const { laneHeight, gap, rulerHeight } = DEFAULT_GEOMETRY;

describe("overlapping segments", () => {
  it("stack in rows, and the lane grows to hold them", () => {
    const overlay: TrackData = {
      id: "o",
      type: "video",
      name: "Overlay",
      segments: [[0, 4, "a", "a"], [1, 2, "b", "b"], [4, 2, "c", "c"], [3.5, 1, "d", "d"]],
    };
    const [lane, next] = layoutLanes([overlay, { id: "t", type: "text", name: "T", segments: [[0, 1, "x", "x"]] }]);
    expect(Object.fromEntries(lane.segments.map((s) => [s.id, s.row]))).toEqual({ a: 0, b: 1, d: 1, c: 0 });
    expect(lane.rows).toBe(2);
    expect(lane.height).toBe(2 * laneHeight);
    expect(next.y).toBe(rulerHeight + gap + 2 * laneHeight + gap);
    expect(rowAt(lane, lane.y + laneHeight + 1)).toBe(1);
    expect(totalHeight([lane, next])).toBe(next.y + laneHeight + gap);
  });

  it("share the last row beyond MAX_ROWS (the lane stops growing)", () => {
    const deep: TrackData = { id: "d", type: "audio", name: "A", segments: [] };
    for (let i = 0; i < 10; i++) deep.segments.push([i * 0.1, 10, `s${i}`, `s${i}`]);
    const [lane] = layoutLanes([deep]);
    expect(lane.rows).toBe(MAX_ROWS);
    expect(Math.max(...lane.segments.map((s) => s.row))).toBe(MAX_ROWS - 1);
  });

  it("keep one row when they only touch", () => {
    const [lane] = layoutLanes([{ id: "v", type: "video", name: "V", segments: [[0, 1, "a", "a"], [1, 1, "b", "b"]] }]);
    expect(lane.rows).toBe(1);
    expect(lane.height).toBe(laneHeight);
  });
});

describe("transition marks", () => {
  it("read the optional 5th element, and 4-element entries still work", () => {
    const [lane] = layoutLanes([
      {
        id: "v",
        type: "video",
        name: "V",
        segments: [[0, 2, "a", "a"], [2, 2, "b", "b", { transition: "crossfade", transition_ms: 500 }]],
      },
    ]);
    const [a, b] = lane.segments;
    expect([a.transitionS, a.transition]).toEqual([0, ""]);
    expect([b.transitionS, b.transition]).toEqual([0.5, "crossfade"]);
    expect(lane.transitionReach).toBe(0.25);
  });
});

describe("dragging", () => {
  const [lane] = layoutLanes([{ id: "v", type: "video", name: "V", segments: [[0, 2, "a", "a"], [2, 2, "b", "b"], [4, 2, "c", "c"]] }]);
  const [a, b, c] = lane.segments;

  it("puts the insertion marker where the block would land", () => {
    expect(insertionTime(lane, c, 0.5)).toBe(0); // before a
    expect(insertionTime(lane, a, 3.5)).toBe(4); // before c
    expect(insertionTime(lane, a, 5.5)).toBe(6); // at the end
    expect(insertionTime(lane, b, 3)).toBeUndefined(); // where it is: no marker
  });
});

describe("tooltips", () => {
  it("sit below and right of the pointer when they fit", () => {
    expect(placeTooltip(100, 50, 200, 40, 800, 200)).toEqual({ left: 112, top: 62 });
  });

  it("flip above the pointer on the bottom lane, and left of it at the right edge", () => {
    const { left, top } = placeTooltip(750, 180, 200, 40, 800, 200);
    expect(top).toBe(180 - 12 - 40);
    expect(left + 200).toBeLessThanOrEqual(800);
    expect(left).toBe(750 - 12 - 200);
  });

  it("never start outside the stage", () => {
    expect(placeTooltip(5, 5, 300, 300, 200, 100)).toEqual({ left: 0, top: 0 });
  });
});

describe("canvas fonts", () => {
  it("are at least MIN_FONT_PX, from the size the browser computed", () => {
    expect(readablePx("13px")).toBe(13);
    expect(readablePx("10px")).toBe(MIN_FONT_PX);
    expect(readablePx("")).toBe(13);
  });

  it("name the theme's family, never a var()", () => {
    const font = canvasFont(13, 'system-ui, -apple-system, "Segoe UI", sans-serif');
    expect(font).toBe('13px system-ui, -apple-system, "Segoe UI", sans-serif');
    expect(canvasFont(12, " ")).toBe("12px sans-serif");
  });
});

/** WCAG contrast of `alpha` of `ink` (rgb) over the opaque hex `fill`. */
function contrast(ink: [number, number, number], alpha: number, fill: string): number {
  const under = [1, 3, 5].map((i) => parseInt(fill.slice(i, i + 2), 16));
  const over = ink.map((c, i) => alpha * c + (1 - alpha) * under[i]);
  const lum = (rgb: number[]) =>
    rgb
      .map((c) => c / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(over), lum(under)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

describe("block colours", () => {
  // JupyterLab's --jp-ui-font-color1: rgba(0, 0, 0, 0.87) light, rgba(255, 255, 255, 0.87) dark
  it("keep the theme's label colour readable (>= 4.5:1) on every kind of block", () => {
    for (const fill of Object.values(SEGMENT_FILLS.light)) expect(contrast([0, 0, 0], 0.87, fill)).toBeGreaterThanOrEqual(4.5);
    for (const fill of Object.values(SEGMENT_FILLS.dark)) expect(contrast([255, 255, 255], 0.87, fill)).toBeGreaterThanOrEqual(4.5);
  });
});
