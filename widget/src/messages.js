// One message drawn: the visitor's text, or an answer (markdown), its "Stopped." note,
// its error and Retry, its sources, and its actions: copy and the thumbs.
import { emit } from "./api.js";
import { ask, save, transcript } from "./conversation.js";
import { element, iconButton, textButton } from "./dom.js";
import { toggleCommentForm } from "./forms.js";
import { warn } from "./guard.js";
import { renderMarkdown } from "./markdown.js";
import { appendSources } from "./sources.js";
import { announce, busy, labels, redraw } from "./view.js";
import { request } from "./widget.js";

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
        textButton(labels.retry, () => retry(message)),
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
      announce(labels.thanks);
      rate(message, rating);
      toggleCommentForm(message, buttons.parentNode, rating == "down");
    },
    rating == "up" ? null : "dn",
  );
  button.setAttribute("aria-pressed", message.feedback_ == rating);
  return button;
}

// A rating (with the thumbs-down comment, if any) for POST /v1/messages/<id>/feedback.
export function rate(message, rating, comment) {
  emit("feedback", { message_id: message.id, rating, comment });
  request("/v1/messages/" + encodeURIComponent(message.id) + "/feedback", { rating, comment }).catch((error) =>
    warn("feedback not saved", error),
  );
}

function copyAnswer(message, button) {
  navigator.clipboard.writeText(message.text).then(
    () => {
      button.setAttribute("aria-label", labels.copied);
      announce(labels.copied);
      setTimeout(() => button.setAttribute("aria-label", labels.copy), 2000);
    },
    (error) => warn("copy failed", error),
  );
}

// Retry: the failed answer goes, and the question before it is asked again.
function retry(message) {
  if (busy) return;
  const messages = transcript.messages_, index = messages.indexOf(message), previous = messages[index - 1];
  messages.splice(index, 1);
  redraw();
  if (previous && previous.role == "user") ask(previous.text);
}
