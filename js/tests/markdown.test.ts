import { describe, expect, it } from "vitest";
import { toHtml } from "../src/stream_view";

describe("reply markdown", () => {
  it("renders Markdown", () => {
    const html = toHtml("**Done.** Moved scene 3:\n\n- first\n- second");
    expect(html).toContain("<strong>Done.</strong>");
    expect(html).toContain("<li>first</li>");
  });

  it("escapes raw HTML from the agent", () => {
    const html = toHtml('Hi <img src=x onerror="alert(1)"> there\n\n<script>alert(2)</script>');
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&#60;script");
  });

  it("keeps web links and drops script URLs", () => {
    const html = toHtml("[docs](https://nemovideo.com) [bad](javascript:alert(1)) [data](data:text/html,x) ![i](JavaScript:x)");
    expect(html).toContain('href="https://nemovideo.com"');
    expect(html.toLowerCase()).not.toContain("javascript:");
    expect(html).not.toContain("data:text");
  });
});
