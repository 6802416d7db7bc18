// The markdown subset answers are drawn with, built as DOM nodes: model output is
// untrusted, so everything else (HTML included) stays text.
import { element } from "./dom.js";

// Only absolute http, https and mailto URLs become links; everything else stays text.
export function safeUrl(text) {
  try {
    const url = new URL(text);
    return /^(https?|mailto):$/.test(url.protocol) ? url.href : "";
  } catch (_) {
    return "";
  }
}

// Inline markdown: code, strong, emphasis, links and bare URLs.
const INLINE =
  /(`+)(.+?)\1|\*\*(\S(?:.*?\S)?)\*\*|\*([^\s*](?:[^*]*[^\s*])?)\*|!?\[([^\]]+)\]\((\S+?)(?:\s+"[^"]*")?\)|<?((?:https?:\/\/|mailto:)[^\s<>]*[^\s<>.,;:!?'")\]*_])>?/g;

function renderInline(text, parent, withoutLinks) {
  const pattern = new RegExp(INLINE.source, "g");
  let last = 0, match, inner;
  while ((match = pattern.exec(text))) {
    parent.append(text.slice(last, match.index));
    last = pattern.lastIndex;
    if (match[1]) parent.append(element("code", 0, match[2]));
    else if ((inner = match[3] || match[4])) {
      renderInline(inner, parent.appendChild(element(match[3] ? "strong" : "em")), withoutLinks);
    } else {
      // Images become plain links: nothing from model output loads by itself.
      inner = match[5] || match[7];
      const href = safeUrl(match[6] || match[7]);
      if (withoutLinks || !href) parent.append(inner);
      else renderInline(inner, parent.appendChild(element("a", { href, target: "_blank", rel: "noopener noreferrer" })), 1);
    }
  }
  parent.append(text.slice(last));
}

// Block markdown, re-run on the whole text at every delta, so markup split
// across chunks renders once it is complete and an open fence renders as code.
export function renderMarkdown(text, out) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let next = 0, paragraph = [], list, listIsOrdered, item, line, match;
  function flushParagraph() {
    if (!paragraph.length) return;
    const node = out.appendChild(element("p"));
    paragraph.forEach((paragraphLine, index) => {
      if (index) node.append(element("br"));
      renderInline(paragraphLine, node);
    });
    paragraph = [];
  }
  while (next < lines.length) {
    line = lines[next++];
    if ((match = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line))) {
      flushParagraph();
      list = 0;
      const code = [], fence = match[1];
      while (next < lines.length && lines[next].trim().indexOf(fence) != 0) code.push(lines[next++]);
      next++;
      out.append(element("pre", 0, element("code", match[2] ? { "data-lang": match[2] } : 0, code.join("\n"))));
    } else if ((match = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)/.exec(line))) {
      flushParagraph();
      if (!list || listIsOrdered != !match[1]) {
        list = out.appendChild(element(match[1] ? "ul" : "ol", match[2] > 1 ? { start: match[2] } : 0));
        listIsOrdered = !match[1];
      }
      renderInline(match[3], (item = list.appendChild(element("li"))));
    } else if ((match = /^\s*#{1,6}\s+(.*)/.exec(line))) {
      flushParagraph();
      list = 0;
      renderInline(match[1], out.appendChild(element("p")).appendChild(element("strong")));
    } else if (!line.trim()) {
      flushParagraph();
    } else if (list && /^\s/.test(line)) {
      item.append(element("br"));
      renderInline(line.trim(), item);
    } else {
      list = 0;
      paragraph.push(line);
    }
  }
  flushParagraph();
}
