// StreamView: the live reply of a %%nemo cell. The text (Markdown) grows as chunks arrive, tool
// calls show as chips, heartbeats as "Still working…", and the change list and summary at the end.

import type { RenderProps } from "@anywidget/types";
import { Marked } from "marked";
import { element } from "./dom";
import "./styles.css";

interface StreamModel {
  text: string;
  tools: string[];
  status: "idle" | "working" | "still_working" | "done" | "error";
  changes: string[];
  summary: string;
  error: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/))/i;

/** Markdown without raw HTML or script URLs: the agent's text is data, not markup. */
export const markdown = new Marked({ gfm: true, breaks: true, async: false });
markdown.use({
  walkTokens(token) {
    if ((token.type === "link" || token.type === "image") && !SAFE_URL.test(token.href.trim())) token.href = "#";
  },
  renderer: { html: ({ text }) => escapeHtml(text) },
});

export function toHtml(text: string): string {
  return markdown.parse(text) as string;
}

const STATUS_TEXT: Record<string, string> = {
  working: "Working…",
  still_working: "Still working…",
  done: "",
  error: "",
  idle: "",
};

function render({ model, el }: RenderProps<StreamModel>) {
  el.classList.add("nemo-widget", "nemo-stream");
  const chips = element("div", "nemo-chips");
  const body = element("div", "nemo-markdown jp-RenderedMarkdown");
  const status = element("div", "nemo-status");
  const changes = element("ul", "nemo-changes");
  const summary = element("pre", "nemo-summary");
  const error = element("div", "nemo-error");
  el.append(chips, body, status, changes, summary, error);
  let frame = 0;

  function drawText() {
    frame = 0;
    body.innerHTML = toHtml(model.get("text") || "");
  }
  const scheduleText = () => {
    if (!frame) frame = requestAnimationFrame(drawText);
  };

  function drawRest() {
    chips.replaceChildren(
      ...(model.get("tools") || []).map((tool) => element("span", "nemo-chip", tool)),
    );
    const state = model.get("status");
    status.textContent = STATUS_TEXT[state] ?? "";
    status.hidden = !status.textContent;
    changes.replaceChildren(
      ...(model.get("changes") || []).map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }),
    );
    changes.hidden = !changes.childElementCount;
    summary.textContent = model.get("summary") || "";
    summary.hidden = !summary.textContent;
    error.textContent = model.get("error") || "";
    error.hidden = !error.textContent;
    el.dataset.status = state;
  }

  const handlers: [string, () => void][] = [
    ["change:text", scheduleText],
    ["change:tools", drawRest],
    ["change:status", drawRest],
    ["change:changes", drawRest],
    ["change:summary", drawRest],
    ["change:error", drawRest],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);
  drawText();
  drawRest();
  return () => {
    for (const [name, handler] of handlers) model.off(name as never, handler);
    cancelAnimationFrame(frame);
  };
}

export default { render };
