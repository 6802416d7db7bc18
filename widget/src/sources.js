// The sources under an answer: each document once, linked when it has a web address.
import { element } from "./dom.js";
import { safeUrl } from "./markdown.js";

// By URL (else title); an http(s) URL becomes a link, anything else its plain title.
export function appendSources(node, sources, heading) {
  const seen = {};
  const items = sources
    .filter((source) => {
      const id = source && (source.url || source.title);
      return id && !seen[id] && (seen[id] = 1);
    })
    .map((source) => {
      const href = safeUrl(source.url || "");
      return /^https?:/.test(href)
        ? element("a", { href, target: "_blank", rel: "noopener noreferrer", title: source.snippet || null }, source.title || href)
        : element("div", 0, source.title);
    });
  if (items.length) node.append(element("div", { class: "s" }, [element("div", 0, heading)].concat(items)));
}
