// One message drawn: the visitor's text, or an answer (markdown), its "Stopped." note,
// its error and Retry, its sources, and its actions: copy and the thumbs.
import { element, iconButton, textButton } from "./dom.js";
import { rate, toggleCommentForm } from "./forms.js";
import { warn } from "./guard.js";
import { renderMarkdown } from "./markdown.js";
import { appendSources } from "./sources.js";
import { hooks, labels, save } from "./state.js";

// Draw one message; assistant text goes through the allowlist markdown renderer.
export function drawMessage(message) {
  const node = message.node_ || (message.node_ = element("div", { class: "m " + (message.role == "user" ? "u" : "a") }));
  node.textContent = "";
  message.bubble_ = node.appendChild(element("div", { class: "b" }));
  if (message.role == "user") {
    message.bubble_.textContent = message.text;
    return node;
  }
  fillBubble(message);
  if (message.status_ == "interrupted") node.append(element("div", { class: "n" }, labels.stopped));
  if (message.error_) {
    node.append(
      element("div", { class: "e" }, [
        message.error_ + " ",
        textButton(labels.retry, () => hooks.retry_(message)),
      ]),
    );
  }
  appendSources(node, message.streaming_ ? [] : message.sources || [], labels.sources);
  if (message.id && message.text && !message.streaming_) {
    node.append(
      element("div", { class: "x" }, [
        navigator.clipboard ? iconButton(labels.copy, "copy", (event) => copyAnswer(message, event.currentTarget)) : null,
        thumbButton(message, "up"),
        thumbButton(message, "down"),
      ]),
    );
  }
  return node;
}

// The bubble's content: the answer so far, or the typing dots while nothing came yet.
export function fillBubble(message) {
  const bubble = message.bubble_;
  bubble.textContent = "";
  if (message.text) renderMarkdown(message.text, bubble);
  else if (message.streaming_) bubble.append(element("span", { class: "d", role: "img", "aria-label": labels.typing }, [element("i"), element("i"), element("i")]));
  else if (!message.error_) bubble.remove();
}

function thumbButton(message, rating) {
  const button = iconButton(
    labels[rating],
    "thumb",
    () => {
      const buttons = button.parentNode;
      message.feedback_ = rating;
      save();
      buttons.querySelectorAll("[aria-pressed]").forEach((thumb, index) => {
        thumb.setAttribute("aria-pressed", (index ? "down" : "up") == rating);
      });
      hooks.announce_(labels.thanks);
      rate(message, rating);
      toggleCommentForm(message, buttons.parentNode, rating == "down");
    },
    rating == "up" ? null : "dn",
  );
  button.setAttribute("aria-pressed", message.feedback_ == rating);
  return button;
}

function copyAnswer(message, button) {
  navigator.clipboard.writeText(message.text).then(
    () => {
      button.setAttribute("aria-label", labels.copied);
      hooks.announce_(labels.copied);
      setTimeout(() => button.setAttribute("aria-label", labels.copy), 2000);
    },
    (error) => warn("copy failed", error),
  );
}
