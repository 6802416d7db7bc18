// What the launcher, the panel and the page can ask of the widget: the actions (open,
// close, toggle, send, reset, set as state.js's hooks) and the API object
// window.Docent calls (calls made before the view is mounted wait in a queue).
import { ask, startOver } from "./conversation.js";
import { guard } from "./guard.js";
import { config, emit, hooks, on, queued, transcript } from "./state.js";
import { busy, closePanel, input, isOpen, log, openPanel, redraw, root } from "./view.js";

export const API_METHODS = ["open", "close", "toggle", "send", "reset"];

Object.assign(hooks, {
  open: openPanel,
  close: closePanel,
  toggle() {
    (isOpen ? closePanel : openPanel)();
  },
  send(text) {
    openPanel();
    text = String(text == null ? "" : text).trim().slice(0, config.message_max);
    if (!text || busy) return;
    transcript.messages_.push({ role: "user", text });
    redraw();
    emit("send", { text });
    ask(text);
  },
  reset() {
    startOver();
    if (log) redraw();
    if (input) input.focus();
    emit("reset");
  },
});

// This widget's methods, as window.Docent.widgets holds them.
export const api = { on: guard(on) };
API_METHODS.forEach((name) => {
  api[name] = guard((argument) => {
    argument = name == "send" ? argument : 0;
    if (!root) queued.push([name, argument]);
    else hooks[name](argument);
  });
});
// The launcher's click, drawn before the settings arrive, waits in the queue like the API's.
hooks.launcher_ = api.toggle;
