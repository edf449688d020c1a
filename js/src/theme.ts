// Colours from JupyterLab's theme (--jp-* CSS variables), with fallbacks for other front ends.

export interface Palette {
  background: string;
  lane: string;
  text: string;
  muted: string;
  border: string;
  playhead: string;
  selection: string;
  marker: string;
  segment: Record<string, string>;
}

export function isDark(): boolean {
  const light = document.body?.dataset?.jpThemeLight;
  if (light !== undefined) return light === "false";
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

function cssVar(el: Element, name: string, fallback: string): string {
  const value = getComputedStyle(el).getPropertyValue(name).trim();
  return value || fallback;
}

export function palette(el: Element): Palette {
  const dark = isDark();
  return {
    background: cssVar(el, "--jp-layout-color1", dark ? "#111111" : "#ffffff"),
    lane: cssVar(el, "--jp-layout-color2", dark ? "#1f1f1f" : "#eeeeee"),
    text: cssVar(el, "--jp-ui-font-color1", dark ? "#e6e6e6" : "#1f1f1f"),
    muted: cssVar(el, "--jp-ui-font-color2", dark ? "#a0a0a0" : "#616161"),
    border: cssVar(el, "--jp-border-color2", dark ? "#3a3a3a" : "#d0d0d0"),
    playhead: cssVar(el, "--jp-error-color1", "#e53935"),
    selection: cssVar(el, "--jp-brand-color1", "#1976d2"),
    marker: cssVar(el, "--jp-warn-color1", "#f57c00"),
    segment: dark
      ? { video: "#3d6fb6", audio: "#3f8f5a", text: "#a4733a", other: "#6f6f8f" }
      : { video: "#6fa3e8", audio: "#7cc792", text: "#f0b46a", other: "#a9a9c9" },
  };
}

/** Calls `callback` when JupyterLab switches theme; returns the function that stops watching. */
export function onThemeChange(callback: () => void): () => void {
  if (!document.body) return () => {};
  const observer = new MutationObserver(callback);
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  return () => observer.disconnect();
}
