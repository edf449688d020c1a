import { describe, expect, it } from "vitest";
import { clampScroll, fitScale, formatTime, scrollForZoom, tickStep, ticks, timeToX, xToTime } from "../src/scale";

describe("scale", () => {
  it("fits the duration into the width after the gutter at zoom 1", () => {
    const s = fitScale(10, 1084, 1, 84);
    expect(s.pxPerSecond).toBeCloseTo(100);
    expect(timeToX(0, s)).toBe(84);
    expect(timeToX(10, s)).toBeCloseTo(1084);
  });

  it("maps time to pixels and back at any zoom and scroll", () => {
    for (const zoom of [1, 2.5, 40]) {
      const s = fitScale(30, 800, zoom, 50, 120);
      for (const t of [0, 1.25, 7, 29.9]) expect(xToTime(timeToX(t, s), s)).toBeCloseTo(t, 9);
    }
  });

  it("clamps the scroll to the content", () => {
    expect(clampScroll(-5, 1000, 400)).toBe(0);
    expect(clampScroll(900, 1000, 400)).toBe(600);
    expect(clampScroll(50, 300, 400)).toBe(0);
    expect(fitScale(10, 500, 1, 0, 300).scrollPx).toBe(0);
  });

  it("keeps the time under the mouse fixed when zooming", () => {
    const before = fitScale(60, 1000, 1, 100);
    const anchor = 400;
    const t = xToTime(anchor, before);
    const pps = before.pxPerSecond * 4;
    const after = { ...before, pxPerSecond: pps, scrollPx: scrollForZoom(anchor, before, pps) };
    expect(xToTime(anchor, after)).toBeCloseTo(t, 9);
  });

  it("chooses 1-2-5 tick steps at least minPx apart", () => {
    expect(tickStep(100, 70)).toBe(1);
    expect(tickStep(10, 70)).toBe(10);
    expect(tickStep(30, 70)).toBe(5);
    expect(tickStep(1000, 70)).toBeCloseTo(0.1);
    for (const pps of [0.3, 3, 33, 333, 3333]) {
      const step = tickStep(pps, 70);
      expect(step * pps).toBeGreaterThanOrEqual(70);
      expect(step * pps).toBeLessThan(70 * 2.5 + 1e-9);
    }
    expect(ticks(0.5, 3.2, 1)).toEqual([1, 2, 3]);
  });

  it("formats times as m:ss", () => {
    expect(formatTime(0)).toBe("0:00");
    expect(formatTime(65)).toBe("1:05");
    expect(formatTime(65.5)).toBe("1:05.5");
  });
});
