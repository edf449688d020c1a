// Colours and fonts from JupyterLab's theme (--jp-* CSS variables), resolved to values a canvas
// takes (ctx.font and ctx.fillStyle do not understand var(...)), with fallbacks for other front ends.

export interface Palette {
  /** The background the widget sits on (used for contrast rings, never painted as a slab). */
  background: string;
  lane: string;
  text: string;
  muted: string;
  border: string;
  playhead: string;
  selection: string;
  marker: string;
  transition: string;
  segment: Record<string, string>;
  /** Canvas fonts: the theme's UI family at a readable size (≥ MIN_FONT_PX). */
  font: string;
  smallFont: string;
}

/** Block fills by track type: the theme's label colour on each reads at >= 4.5:1 (tests/visuals). */
export const SEGMENT_FILLS: Record<"light" | "dark", Record<string, string>> = {
  light: { video: "#6fa3e8", audio: "#7cc792", text: "#f0b46a", other: "#a9a9c9" },
  dark: { video: "#2f5f9e", audio: "#2b6e47", text: "#8a5a1f", other: "#5b5b7a" },
};

/** No canvas text is smaller than this (px). */
export const MIN_FONT_PX = 12;

export function isDark(): boolean {
  const light = document.body?.dataset?.jpThemeLight;
  if (light !== undefined) return light === "false";
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

/** A CSS font size ("13px", "0.8125rem" resolved by the browser) as pixels, at least MIN_FONT_PX. */
export function readablePx(size: string, fallback = 13): number {
  const px = parseFloat(size);
  return Math.max(MIN_FONT_PX, Number.isFinite(px) && px > 0 ? px : fallback);
}

/** The canvas font string for `family` (as the browser computed it) at `px`. */
export function canvasFont(px: number, family: string): string {
  return `${px}px ${family.trim() || "sans-serif"}`;
}

/** The palette for the widget root `el` (whose CSS sets its font from the theme). */
export function palette(el: Element): Palette {
  const dark = isDark();
  const style = getComputedStyle(el);
  const px = readablePx(style.fontSize);
  return {
    background: cssVar(style, "--jp-layout-color0", dark ? "#111111" : "#ffffff"),
    lane: cssVar(style, "--jp-layout-color2", dark ? "#2a2a2a" : "#eeeeee"),
    text: cssVar(style, "--jp-ui-font-color1", dark ? "#e6e6e6" : "#1f1f1f"),
    muted: cssVar(style, "--jp-ui-font-color2", dark ? "#a0a0a0" : "#616161"),
    border: cssVar(style, "--jp-border-color2", dark ? "#3a3a3a" : "#d0d0d0"),
    playhead: cssVar(style, "--jp-error-color1", "#e53935"),
    selection: cssVar(style, "--jp-brand-color1", "#1976d2"),
    marker: cssVar(style, "--jp-warn-color1", "#f57c00"),
    transition: dark ? "rgba(255,255,255,0.45)" : "rgba(255,255,255,0.75)",
    segment: SEGMENT_FILLS[dark ? "dark" : "light"],
    font: canvasFont(px, style.fontFamily),
    smallFont: canvasFont(Math.max(MIN_FONT_PX, px - 1), style.fontFamily),
  };
}

/** Calls `callback` when JupyterLab switches theme; returns the function that stops watching. */
export function onThemeChange(callback: () => void): () => void {
  if (!document.body) return () => {};
  const observer = new MutationObserver(callback);
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  return () => observer.disconnect();
}
