// StreamView: the live reply of a %%nemo cell. The text (Markdown) grows as chunks arrive, tool
// calls show as chips (`views.tool_marker`'s text, as the Markdown view shows them), heartbeats as
// "Still working…" (with a spinner), and at the end "What changed" (the heading the saved Markdown
// has, `views.final_markdown`) with the change list, then the summary.

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

/** What the list says when a finished reply changed nothing (as views.final_markdown says it). */
const NO_CHANGE = "no change to the timeline";

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
  const changesHeading = element("div", "nemo-changes-heading", "What changed");
  const changes = element("ul", "nemo-changes");
  const summary = element("pre", "nemo-summary");
  const error = element("div", "nemo-error");
  el.append(chips, body, status, changesHeading, changes, summary, error);
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
    status.classList.toggle("nemo-working", !status.hidden);
    const lines = model.get("changes") || [];
    const listed = lines.length || state !== "done" ? lines : [NO_CHANGE];
    changes.replaceChildren(...listed.map((line) => element("li", "", line)));
    changes.hidden = !changes.childElementCount;
    changesHeading.hidden = changes.hidden;
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
