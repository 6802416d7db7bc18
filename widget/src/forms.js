// The small forms: a form's send button, the optional comment after a thumbs-down
// (sent with the rating), and "Talk to a person" or "Leave your details" (name, email,
// message), sent to POST /v1/leads.
import { element, icon } from "./dom.js";
import { warn } from "./guard.js";
import { emit, hooks, labels, request, transcript } from "./state.js";

// A form's send button (the message form's turns into Stop while an answer streams).
export function sendButton() {
  return element("button", { class: "sb", type: "submit", "aria-label": labels.send }, icon("send"));
}

// A rating (with the thumbs-down comment, if any) for POST /v1/messages/<id>/feedback.
export function rate(message, rating, comment) {
  emit("feedback", { message_id: message.id, rating, comment });
  request("/v1/messages/" + encodeURIComponent(message.id) + "/feedback", { rating, comment }).catch((error) =>
    warn("feedback not saved", error),
  );
}

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
            hooks.announce_(labels.thanks);
          }
        },
      },
      [comment, sendButton()],
    ),
  );
  form.scrollIntoView({ block: "nearest" });
  comment.focus();
}

// "Talk to a person" or "Leave your details", at the end of the log: sent with the session.
export function openLeadForm(kind, log) {
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
              hooks.announce_(labels.sent);
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
