// One widget on the page, for one script tag. Everything here shares the widget's
// state, so it lives in one closure (a closure's variables cost the bundle nothing,
// while state passed between modules costs bytes the 8 KB budget does not have):
//   state            the settings, the transcript, open/busy flags and the panel's nodes
//   actions          open, close, toggle, send, reset: shared by the launcher, the panel
//                    and the JavaScript API (window.Docent)
//   view             the launcher, the panel, the conversation log (the host: shell.js)
//   messages         one message: bubble, status, error and Retry, sources, copy, thumbs
//   forms            the thumbs-down comment and the hand-off and lead form
//   answers          one streamed answer, and the server's transcript on first look
//   start-up         settings and translations, then the view
// Everything without state lives in its own module (config, language, transport,
// persistence, shell, markdown, sources, dom, styles).
import { readConfig } from "./config.js";
import { element, icon, iconButton } from "./dom.js";
import { guard, warn } from "./guard.js";
import { loadTranslations, pickLanguage } from "./language.js";
import { renderMarkdown, safeUrl } from "./markdown.js";
import { appendSources } from "./sources.js";
import { loadTranscript, newSessionId, saveTranscript } from "./persistence.js";
import { createShell } from "./shell.js";
import { createClient, readEvents } from "./transport.js";

export const API_METHODS = ["open", "close", "toggle", "send", "reset"];
const MESSAGE_LIMIT = 4000;
// Within this many pixels of the end, the log follows new text.
const FOLLOW_DISTANCE = 80;

export function startWidget(script, globalApi) {
  // --- state -------------------------------------------------------------------------
  const attributes = script.dataset, key = attributes.key;
  const base = new URL(script.src, location.href).origin;
  const storageKey = "docent:" + key + ":" + (attributes.target || "");
  const request = createClient(base, key);
  const handlers = {}, queued = [];
  let transcript = loadTranscript(storageKey);
  let config, labels, isInline, isOpen = 0, synced = 0, busy = 0, controller, paintFrame;
  let root, wrapper, launcher, panel, log, handoffBar, liveRegion, input, sendButton;

  // --- actions -----------------------------------------------------------------------
  const actions = {
    open(quiet) {
      if (isInline || isOpen) return input && input.focus();
      buildPanel();
      show(1);
      if (!quiet) input.focus();
      sync();
    },
    close() {
      if (isInline || !isOpen) return;
      const hadFocus = root.activeElement;
      show(0);
      if (hadFocus) launcher.focus();
    },
    toggle() {
      actions[isOpen ? "close" : "open"]();
    },
    send(text) {
      actions.open();
      text = String(text == null ? "" : text).trim().slice(0, MESSAGE_LIMIT);
      if (!text || busy) return;
      transcript.messages_.push({ role: "user", text });
      redraw();
      emit("send", { text });
      ask(text);
    },
    reset() {
      if (controller) controller.abort();
      transcript = { sessionId_: newSessionId(), messages_: [] };
      synced = 1;
      save();
      if (log) redraw();
      if (input) input.focus();
      emit("reset");
    },
  };

  // The public methods; calls made before the settings have loaded are queued.
  const api = {};
  API_METHODS.forEach((name) => {
    api[name] = guard((argument) => {
      argument = name == "send" ? argument : 0;
      if (!root) queued.push([name, argument]);
      else actions[name](argument);
    });
  });
  api.on = guard((event, handler) => {
    (handlers[event] = handlers[event] || []).push(handler);
    return () => {
      handlers[event] = handlers[event].filter((other) => other != handler);
    };
  });

  function emit(event, detail) {
    (handlers[event] || []).forEach((handler) => {
      try {
        handler(detail);
      } catch (error) {
        warn("a handler for '" + event + "' threw", error);
      }
    });
  }

  function save() {
    saveTranscript(storageKey, transcript);
  }

  // --- view --------------------------------------------------------------------------
  // The settings applied, the shell in the body (or data-target inline), the launcher.
  function mount(server, language, translations) {
    config = readConfig(server || {}, attributes, language, translations);
    labels = config.labels_;
    isInline = config.mode == "inline";
    const target = isInline ? document.querySelector(config.target) : document.body;
    if (!target) return warn("no element matches data-target " + config.target);
    wrapper = createShell(target, config, isInline, language, (event) => {
      if (event.key == "Escape") actions.close();
    });
    root = wrapper.parentNode;
    if (isInline) {
      buildPanel();
      sync();
    } else {
      launcher = wrapper.appendChild(
        element(
          "button",
          { class: "ln", type: "button", "aria-label": labels.open, "aria-expanded": "false", "aria-controls": "dp", click: actions.toggle },
          icon("chat"),
        ),
      );
      try {
        if (sessionStorage.getItem(storageKey)) actions.open(1);
      } catch (_) {}
    }
    queued.forEach((call) => actions[call[0]](call[1]));
    emit("ready");
  }

  // Built once, when the panel is first opened (at once inline).
  function buildPanel() {
    if (panel) return;
    const avatar = safeUrl(config.avatar_url || "");
    const title = config.title || config.bot_name || "Chat";
    panel = wrapper.appendChild(
      element("div", { id: "dp", class: "p", role: isInline ? "region" : "dialog", "aria-label": title, hidden: !isInline }, [
        element("div", { class: "hd" }, [
          /^https?:/.test(avatar) ? element("img", { src: avatar, alt: "", referrerpolicy: "no-referrer" }) : null,
          element("h2", 0, title),
          iconButton(labels.reset, "add", actions.reset),
          isInline ? null : iconButton(labels.close, "close", actions.close),
        ]),
        (log = element("div", { class: "lg" })),
        (handoffBar = element("div", { class: "hb" })),
        (liveRegion = element("div", { class: "r", "aria-live": "polite" })),
        element(
          "form",
          {
            class: "f",
            submit: (event) => {
              event.preventDefault();
              busy ? controller.abort() : submitInput();
            },
          },
          [
            (input = element("textarea", {
              rows: 1, maxlength: MESSAGE_LIMIT, placeholder: config.placeholder || labels.ask, "aria-label": labels.input,
              keydown: (event) => {
                if (event.key == "Enter" && !event.shiftKey && !event.isComposing) {
                  event.preventDefault();
                  if (!busy) submitInput();
                }
              },
            })),
            (sendButton = element("button", { class: "sb", type: "submit" })),
          ],
        ),
      ]),
    );
    setBusy(0);
    redraw();
  }

  function submitInput() {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    actions.send(text);
  }

  function show(open) {
    isOpen = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", !!open);
    launcher.setAttribute("aria-label", open ? labels.close : labels.open);
    launcher.replaceChildren(icon(open ? "close" : "chat"));
    try {
      sessionStorage.setItem(storageKey, open ? 1 : "");
    } catch (_) {}
    emit(open ? "open" : "close");
  }

  // While an answer streams the send button is Stop.
  function setBusy(on) {
    busy = on;
    sendButton.setAttribute("aria-label", on ? labels.stop : labels.send);
    sendButton.replaceChildren(icon(on ? "stop" : "send"));
  }

  // Said once by screen readers, through the polite live region.
  function announce(text) {
    liveRegion.textContent = "";
    setTimeout(() => {
      liveRegion.textContent = text;
    }, 50);
  }

  // The whole conversation: welcome, starter questions until the first message, messages.
  function redraw() {
    log.textContent = "";
    if (config.welcome_message) log.append(drawMessage({ role: "assistant", text: String(config.welcome_message) }));
    if (!transcript.messages_.length && config.starters_.length) {
      log.append(
        element(
          "div",
          { class: "q" },
          config.starters_.map((question) => element("button", { type: "button", click: () => actions.send(question) }, question)),
        ),
      );
    }
    transcript.messages_.forEach((message) => log.append(drawMessage(message)));
    log.scrollTop = log.scrollHeight;
    showHandoffBar();
  }

  // Run a redraw, keeping the log at its end if the visitor was there.
  function keepFollowing(draw) {
    const following = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_DISTANCE;
    draw();
    if (following) log.scrollTop = log.scrollHeight;
  }

  // "Talk to a person" (always, or once an answer went unanswered) and the lead form.
  function showHandoffBar() {
    const offerHandoff =
      config.handoff == "always" ||
      (config.handoff == "unanswered" && transcript.messages_.some((message) => message.answered_ === false));
    handoffBar.replaceChildren();
    [offerHandoff && "handoff", config.lead_form && "lead"].forEach((kind) => {
      if (kind) handoffBar.append(element("button", { type: "button", click: () => openLeadForm(kind) }, labels[kind]));
    });
    handoffBar.hidden = !handoffBar.firstChild;
  }

  // --- messages ----------------------------------------------------------------------
  // Draw one message; assistant text goes through the allowlist markdown renderer.
  function drawMessage(message) {
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
          element("button", { type: "button", click: () => retry(message) }, labels.retry),
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
  function fillBubble(message) {
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
        [].forEach.call(buttons.querySelectorAll("[aria-pressed]"), (thumb, index) => {
          thumb.setAttribute("aria-pressed", String(index == (rating == "up" ? 0 : 1)));
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

  function rate(message, rating, comment) {
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

  function retry(message) {
    if (busy) return;
    const messages = transcript.messages_, index = messages.indexOf(message), previous = messages[index - 1];
    messages.splice(index, 1);
    redraw();
    if (previous && previous.role == "user") ask(previous.text);
  }

  // --- forms -------------------------------------------------------------------------
  function smallSendButton() {
    return element("button", { class: "sb", type: "submit", "aria-label": labels.send }, icon("send"));
  }

  // After a thumbs-down, ask what was wrong: an optional comment, sent with the rating.
  function toggleCommentForm(message, node, open) {
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
        [comment, smallSendButton()],
      ),
    );
    form.scrollIntoView({ block: "nearest" });
    comment.focus();
  }

  // "Talk to a person" or "Leave your details": sent to POST /v1/leads with the session.
  function openLeadForm(kind) {
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
          .concat(smallSendButton()),
      ),
    );
    form.scrollIntoView({ block: "nearest" });
    fields.name.focus();
  }

  // --- answers -----------------------------------------------------------------------
  // Stream one answer over NDJSON; every path ends in a drawn answer or a drawn error.
  function ask(text) {
    const message = { role: "assistant", text: "", sources: [], streaming_: 1 };
    const stream = (controller = new AbortController());
    let ended = 0;
    transcript.messages_.push(message);
    log.append(drawMessage(message));
    log.scrollTop = log.scrollHeight;
    setBusy(1);
    save();
    function handle(event) {
      if (event.type == "start") message.id = event.message_id;
      else if (event.type == "delta") {
        message.text += event.content || "";
        // Redraw the streaming answer at most once a frame.
        paintFrame =
          paintFrame ||
          requestAnimationFrame(() => {
            paintFrame = 0;
            keepFollowing(() => fillBubble(message));
          });
      } else if (event.type == "sources") message.sources = event.sources || [];
      else if (event.type == "end") {
        ended = 1;
        message.answered_ = event.answered;
      } else if (event.type == "error") {
        ended = 1;
        message.error_ = (event.error && event.error.message) || labels.error;
      }
    }
    request("/v1/chat/stream", { sessionId: transcript.sessionId_, message: text }, stream.signal)
      .then((response) => readEvents(response, handle))
      .then(() => {
        if (!ended) throw new Error(labels.network);
      })
      .catch((error) => {
        if (stream.signal.aborted) message.status_ = "interrupted";
        else if (error.status_ == 429) message.error_ = labels.rate.replace("{s}", error.retryAfter_ > 0 ? error.retryAfter_ : 60);
        else message.error_ = error.status_ ? error.message : labels.network;
      })
      .then(
        guard(() => {
          if (paintFrame) cancelAnimationFrame(paintFrame);
          paintFrame = 0;
          message.streaming_ = 0;
          if (controller == stream) {
            controller = 0;
            setBusy(0);
          }
          if (transcript.messages_.indexOf(message) < 0) return;
          keepFollowing(() => drawMessage(message));
          save();
          announce(message.error_ || (message.bubble_ && message.bubble_.textContent) || labels.stopped);
          showHandoffBar();
          emit(
            message.error_ ? "error" : "answer",
            message.error_ ? { message: message.error_ } : { message_id: message.id, text: message.text, sources: message.sources },
          );
        }),
      );
  }

  // The server's transcript is the truth; fetch it once, when the visitor first looks.
  function sync() {
    if (synced) return;
    synced = 1;
    if (!transcript.messages_.length) return;
    const sessionId = transcript.sessionId_;
    request("/v1/sessions/" + encodeURIComponent(sessionId) + "/messages")
      .then((response) => response.json())
      .then(
        guard((json) => {
          if (busy || sessionId != transcript.sessionId_) return;
          transcript.messages_ = json.messages.map((stored) => ({
              id: stored.message_id,
              role: stored.role,
              text: stored.content || "",
              sources: stored.sources,
              status_: stored.status,
              feedback_: stored.feedback && stored.feedback.rating,
              answered_: stored.answered,
              error_: stored.status == "failed" ? labels.error : "",
            }));
          save();
          redraw();
        }),
        (error) => {
          if (error.status_ == 404 && !busy && sessionId == transcript.sessionId_) {
            transcript.messages_ = [];
            save();
            redraw();
          }
        },
      );
  }

  // --- start-up ----------------------------------------------------------------------
  function boot() {
    if (!key) return warn("the script tag needs data-key");
    const language = pickLanguage(attributes);
    const settings = request("/v1/widget/config").then((response) => response.json());
    Promise.all([settings, loadTranslations(base, language)]).then(
      (loaded) => whenReady(() => mount(loaded[0], language, loaded[1])),
      (error) => {
        // A refused origin looks like a network error: CORS hides the 403 from us.
        warn("not started: " + (error.status_ ? error.message : base + " is unreachable or does not allow this page's origin"));
      },
    );
  }

  globalApi.widgets.push(api);
  boot();
  return api;
}

function whenReady(fn) {
  fn = guard(fn);
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", fn);
  else fn();
}
