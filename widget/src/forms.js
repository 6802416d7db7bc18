// The small forms in the log: the optional comment after a thumbs-down, and "Talk to a
// person" or "Leave your details" (name, email, message), sent to POST /v1/leads.
import { transcript } from "./conversation.js";
import { element } from "./dom.js";
import { rate } from "./messages.js";
import { announce, labels, log, sendButton } from "./view.js";
import { request } from "./widget.js";

// After a thumbs-down, ask what was wrong: an optional comment, sent with the rating.
export function toggleCommentForm(message, node, open) {
  const previous = node.querySelector(".c");
  if (previous) {
    if (open) return;
    previous.remove();
  }
  if (!open) return;
  const comment = element("textarea", { rows: 2, maxlength: 2000, "aria-label": labels.why, placeholder: labels.why });
  const form = node.appendChild(
    element(
      "form",
      {
        class: "f c",
        submit: (event) => {
          event.preventDefault();
          form.remove();
          if (comment.value.trim()) {
            rate(message, "down", comment.value.trim());
            announce(labels.thanks);
          }
        },
      },
      [comment, sendButton()],
    ),
  );
  form.scrollIntoView({ block: "nearest" });
  comment.focus();
}

// "Talk to a person" or "Leave your details": sent with the session.
export function openLeadForm(kind) {
  const fields = {}, previous = log.querySelector(".ld");
  if (previous) previous.remove();
  const form = log.appendChild(
    element(
      "form",
      {
        class: "ld",
        submit: (event) => {
          event.preventDefault();
          request("/v1/leads", {
            sessionId: transcript.sessionId_,
            kind,
            name: fields.name.value,
            email: fields.email.value,
            message: fields.input.value,
          }).then(
            () => {
              form.replaceChildren(element("p", 0, labels.sent));
              announce(labels.sent);
            },
            (error) => form.append(element("p", { class: "e" }, error.status_ ? error.message : labels.network)),
          );
        },
      },
      ["name", "email", "input"]
        .map((name) => {
          fields[name] = element(name == "input" ? "textarea" : "input", {
            name,
            type: name == "email" ? "email" : null,
            required: name == "email",
          });
          return element("label", 0, [labels[name], fields[name]]);
        })
        .concat(sendButton()),
    ),
  );
  form.scrollIntoView({ block: "nearest" });
  fields.name.focus();
}
