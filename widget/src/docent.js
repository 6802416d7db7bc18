/*! Docent chat widget. Install: <script src="https://HOST/widget.js" data-key="pk_…" async></script> */
(function (win, doc) {
  "use strict";
  var script = doc.currentScript || doc.querySelector('script[data-key][src*="widget.js"]');
  var NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z",
    x: "M18 6 6 18M6 6l12 12",
    send: "M22 2 11 13M22 2l-7 20-4-9-9-4z",
    stop: "M7 7h10v10H7z",
    copy: "M9 9h11v11H9zM5 15H4V4h11v1",
    up: "M7 22H4V11h3m0 11V11l4-9a3 3 0 0 1 3 3v4h5.7a2 2 0 0 1 2 2.3l-1.4 9a2 2 0 0 1-2 1.7z",
    add: "M12 5v14M5 12h14"
  };
  var LABELS = {
    open: "Open chat", close: "Close chat", send: "Send", stop: "Stop", retry: "Retry",
    copy: "Copy answer", copied: "Copied", reset: "New conversation", sources: "Sources",
    up: "Helpful", down: "Not helpful", thanks: "Thanks!", typing: "Typing", stopped: "Stopped.",
    input: "Message", error: "Something went wrong.", network: "Connection lost.",
    rate: "Too many messages. Try again in {s} s.", why: "What was wrong? (optional)",
    ask: "Ask a question…", handoff: "Talk to a person", lead: "Leave your details", name: "Name",
    email: "Email", sent: "Thanks! We will get back to you."
  };
  // Languages with a file under /widget/i18n/; English is built in.
  var LANGS = /^(fr|de|es|nl|pt|it|ja)$/;
  var CSS =
    ":host{all:initial!important;display:block!important}" +
    "*{box-sizing:border-box}[hidden]{display:none!important}" +
    ".w{--bg:#fff;--fg:#1f2328;--mu:#57606a;--bd:#d0d7de;--ai:#f1f3f5;--cd:#e7eaee;--er:#b42318;" +
    "font:15px/1.5 var(--docent-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);color:var(--fg);text-align:start}" +
    ".dk{--bg:#16181b;--fg:#e6e8eb;--mu:#a1a9b3;--bd:#3b4148;--ai:#24282d;--cd:#30353b;--er:#ff9c91}" +
    "button{font:inherit;color:inherit;background:none;border:0;margin:0;cursor:pointer;border-radius:8px;padding:6px;display:inline-flex;align-items:center;gap:4px}" +
    ":focus-visible{outline:2px solid var(--fg);outline-offset:2px}" +
    ".hd :focus-visible{outline-color:var(--on)}.ln:focus-visible{outline:2px solid #fff;outline-offset:0;box-shadow:0 0 0 4px #000}" +
    "svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}" +
    ".ln,.p{position:fixed;right:20px;z-index:2147483000}" +
    ".lf .ln,.lf .p{right:auto;left:20px}" +
    ".ln{bottom:20px;width:56px;height:56px;border-radius:50%;justify-content:center;background:var(--ac);color:var(--on);box-shadow:0 4px 14px #0004}" +
    ".ln svg{width:26px;height:26px}" +
    ".p{bottom:88px;width:380px;height:min(640px,calc(100vh - 110px));display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--bd);border-radius:16px;box-shadow:0 12px 40px #0004;overflow:hidden}" +
    ".in,.in .p{height:100%}.in .p{position:relative;inset:auto;width:100%;min-height:420px;box-shadow:none;z-index:auto}" +
    "@media(max-width:480px){.w:not(.in) .p{inset:0;width:100%;height:100%;border:0;border-radius:0}textarea{font-size:16px}}" +
    ".hd{display:flex;align-items:center;gap:8px;padding:10px;padding-inline-start:16px;background:var(--ac);color:var(--on)}" +
    ".hd h2{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
    ".hd img{width:30px;height:30px;border-radius:50%;object-fit:cover}" +
    ".lg{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:12px;overscroll-behavior:contain}" +
    ".m{max-width:88%;display:flex;flex-direction:column;align-items:flex-start;gap:4px}" +
    ".u{align-self:flex-end;align-items:flex-end}" +
    ".b{padding:9px 13px;border-radius:14px;background:var(--ai);overflow-wrap:anywhere;max-width:100%}" +
    ".u .b{background:var(--ac);color:var(--on);white-space:pre-wrap}" +
    ".b>:first-child{margin-top:0}.b>:last-child{margin-bottom:0}" +
    "p,ul,ol,pre{margin:0 0 8px}ul,ol{padding-inline-start:22px}a{color:inherit}" +
    "code{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;background:var(--cd);padding:1px 4px;border-radius:4px}" +
    "pre{background:var(--cd);padding:10px;border-radius:8px;overflow-x:auto}pre code{padding:0}" +
    ".s,.x,.n{font-size:13px;color:var(--mu)}.s a{display:block}" +
    ".x{display:flex;gap:2px}.x [aria-pressed=true]{color:var(--fg);background:var(--cd)}.dn svg{transform:scaleY(-1)}" +
    ".e{color:var(--er);font-size:14px}.e button{text-decoration:underline}" +
    ".d i{display:inline-block;width:7px;height:7px;margin:0 2px;border-radius:50%;background:var(--mu);animation:k 1s infinite alternate}" +
    ".d i+i{animation-delay:.3s}.d i+i+i{animation-delay:.6s}@keyframes k{to{opacity:.2}}" +
    "@media(prefers-reduced-motion:reduce){.d i{animation:none}}" +
    ".q,.hb{display:flex;flex-wrap:wrap;gap:6px}.q button,.hb button{border:1px solid var(--bd);border-radius:16px;padding:5px 12px;text-align:start}" +
    ".f{display:flex;gap:8px;padding:10px;border-top:1px solid var(--bd);align-items:flex-end}" +
    ".hb{padding:0 10px 10px}.ld{display:grid;gap:8px;padding:10px;border:1px solid var(--bd);border-radius:8px}.ld label{display:grid}" +
    "textarea,input{flex:1;font:inherit;color:inherit;background:var(--bg);border:1px solid var(--bd);border-radius:10px;padding:8px 12px;margin:0;resize:none;min-height:42px;max-height:140px;field-sizing:content}" +
    "::placeholder{color:var(--mu);opacity:1}" +
    ".sb{width:42px;height:42px;justify-content:center;background:var(--ac);color:var(--on);border-radius:10px}" +
    ".c{width:100%;padding:0;border:0}" +
    ".r{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}";

  function warn(text, err) {
    try { console.warn("[docent] " + text, err || ""); } catch (_) {}
  }

  // Wrap a function so nothing it throws reaches the host page.
  function guard(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { warn("error", e); }
    };
  }

  function h(tag, props, kids) {
    var el = doc.createElement(tag), k, v;
    for (k in props) {
      v = props[k];
      if (v == null || v === false) continue;
      if (typeof v == "function") el.addEventListener(k, guard(v));
      else el.setAttribute(k, v);
    }
    [].concat(kids == null ? [] : kids).forEach(function (c) { if (c != null) el.append(c); });
    return el;
  }

  function button(label, name, click, cls) {
    return h("button", { type: "button", class: cls, "aria-label": label, title: label, click: click }, icon(name));
  }

  function icon(name) {
    var svg = doc.createElementNS(NS, "svg"), path = doc.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  // Only absolute http, https and mailto URLs become links; everything else stays text.
  function safeUrl(text) {
    try {
      var url = new URL(text);
      return /^(https?|mailto):$/.test(url.protocol) ? url.href : "";
    } catch (_) { return ""; }
  }

  // Inline markdown: code, strong, emphasis, links and bare URLs.
  var INLINE = /(`+)(.+?)\1|\*\*(\S(?:.*?\S)?)\*\*|\*([^\s*](?:[^*]*[^\s*])?)\*|!?\[([^\]]+)\]\((\S+?)(?:\s+"[^"]*")?\)|<?((?:https?:\/\/|mailto:)[^\s<>]*[^\s<>.,;:!?'")\]*_])>?/g;

  function inline(text, el, noLinks) {
    var re = new RegExp(INLINE.source, "g"), last = 0, m, t, href;
    while ((m = re.exec(text))) {
      el.append(text.slice(last, m.index));
      last = re.lastIndex;
      if (m[1]) el.append(h("code", 0, m[2]));
      else if ((t = m[3] || m[4])) inline(t, el.appendChild(h(m[3] ? "strong" : "em")), noLinks);
      else {
        // Images become plain links: nothing from model output loads by itself.
        t = m[5] || m[7];
        href = safeUrl(m[6] || m[7]);
        if (noLinks || !href) el.append(t);
        else inline(t, el.appendChild(h("a", { href: href, target: "_blank", rel: "noopener noreferrer" })), 1);
      }
    }
    el.append(text.slice(last));
  }

  // Block markdown, re-run on the whole text at every delta, so markup split
  // across chunks renders once it is complete and an open fence renders as code.
  function markdown(text, out) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n"), i = 0, para = [], list, item, line, m, code, fence;
    function flush() {
      if (!para.length) return;
      var p = out.appendChild(h("p"));
      para.forEach(function (l, j) { if (j) p.append(h("br")); inline(l, p); });
      para = [];
    }
    while (i < lines.length) {
      line = lines[i++];
      if ((m = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line))) {
        flush(); list = 0; code = []; fence = m[1];
        while (i < lines.length && lines[i].trim().indexOf(fence) != 0) code.push(lines[i++]);
        i++;
        out.append(h("pre", 0, h("code", m[2] ? { "data-lang": m[2] } : 0, code.join("\n"))));
      } else if ((m = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)/.exec(line))) {
        flush();
        if (!list || list.ordered != !m[1]) {
          list = out.appendChild(h(m[1] ? "ul" : "ol", m[2] > 1 ? { start: m[2] } : 0));
          list.ordered = !m[1];
        }
        inline(m[3], (item = list.appendChild(h("li"))));
      } else if ((m = /^\s*#{1,6}\s+(.*)/.exec(line))) {
        flush(); list = 0;
        inline(m[1], out.appendChild(h("p")).appendChild(h("strong")));
      } else if (!line.trim()) {
        flush();
      } else if (list && /^\s/.test(line)) {
        item.append(h("br"));
        inline(line.trim(), item);
      } else {
        list = 0;
        para.push(line);
      }
    }
    flush();
  }

  function uid() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return (b | 256).toString(16).slice(1);
    }).join("");
  }

  // Pick black or white text for the accent, whichever contrasts more (always >= 4.5:1).
  function onColor(hex) {
    var lum = [1, 3, 5].reduce(function (sum, at, k) {
      var c = parseInt(hex.substr(at, 2), 16) / 255;
      c = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      return sum + c * [0.2126, 0.7152, 0.0722][k];
    }, 0);
    return (lum + 0.05) * (lum + 0.05) > 0.0525 ? "#000" : "#fff";
  }

  function hexColor(value) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
    if (!m) return "";
    return "#" + (m[1].length == 3 ? m[1].replace(/./g, "$&$&") : m[1]);
  }

  function questions(value) {
    if (typeof value == "string") {
      try { value = JSON.parse(value); } catch (_) { value = value.split("|"); }
    }
    return (Array.isArray(value) ? value : []).map(String).map(function (q) { return q.trim(); }).filter(Boolean).slice(0, 6);
  }

  // data-* attribute (camelCased by dataset) -> setting it overrides.
  var OPTIONS = {
    title: "title", position: "position", placeholder: "placeholder", mode: "mode", target: "target",
    dir: "dir", theme: "theme", accentColor: "accent_color", welcomeMessage: "welcome_message",
    starterQuestions: "starter_questions", avatar: "avatar_url", avatarUrl: "avatar_url"
  };

  // Labels: English, the language's file, the owner's ("send" or "fr.send"), then data-labels.
  function readConfig(server, data, lang, words) {
    var c = Object.assign({}, server), own = server.labels || {}, labels = {}, k;
    for (k in OPTIONS) if (data[k] != null) c[OPTIONS[k]] = data[k];
    try { labels = JSON.parse(data.labels || "{}"); } catch (_) {}
    c.labels = Object.assign({}, LABELS, words);
    for (k in own) if (k.indexOf(".") < 0) c.labels[k] = own[k];
    for (k in own) if (k.indexOf(lang + ".") == 0) c.labels[k.slice(lang.length + 1)] = own[k];
    Object.assign(c.labels, labels);
    c.lang = lang;
    c.accent = hexColor(c.accent_color) || "#4f46e5";
    c.starters = questions(c.starter_questions);
    return c;
  }

  function makeGlobal() {
    var g = { widgets: [], version: 1 };
    ["open", "close", "toggle", "send", "reset", "on"].forEach(function (name) {
      g[name] = function () {
        var w = g.widgets[0];
        return w && w[name].apply(w, arguments);
      };
    });
    return g;
  }

  function start(el) {
    var data = el.dataset, key = data.key, base = new URL(el.src, location.href).origin;
    var storeKey = "docent:" + key + ":" + (data.target || "");
    var handlers = {}, queue = [], st = load(), c, L, host, root, wrap, launcher, panel, log, bar, input, sendBtn, live, inline_;
    var isOpen = 0, synced = 0, busy = 0, controller, frame;

    var api = {};
    ["open", "close", "toggle", "send", "reset"].forEach(function (name) {
      api[name] = guard(function (arg) {
        arg = name == "send" ? arg : 0;
        if (!root) queue.push([name, arg]);
        else actions[name](arg);
      });
    });
    api.on = guard(function (event, fn) {
      (handlers[event] = handlers[event] || []).push(fn);
      return function () { handlers[event] = handlers[event].filter(function (f) { return f != fn; }); };
    });

    var actions = {
      open: function (quiet) {
        if (inline_ || isOpen) return input && input.focus();
        buildPanel();
        show(1);
        if (!quiet) input.focus();
        sync();
      },
      close: function () {
        if (inline_ || !isOpen) return;
        var hadFocus = root.activeElement;
        show(0);
        if (hadFocus) launcher.focus();
      },
      toggle: function () { actions[isOpen ? "close" : "open"](); },
      send: function (text) {
        actions.open();
        text = String(text == null ? "" : text).trim().slice(0, 4000);
        if (!text || busy) return;
        var m = { role: "user", text: text };
        st.msgs.push(m);
        redraw();
        emit("send", { text: text });
        ask(text);
      },
      reset: function () {
        if (controller) controller.abort();
        st = { sid: uid(), msgs: [] };
        synced = 1;
        save();
        if (log) redraw();
        if (input) input.focus();
        emit("reset");
      }
    };

    function show(on) {
      isOpen = on;
      panel.hidden = !on;
      launcher.setAttribute("aria-expanded", !!on);
      launcher.setAttribute("aria-label", on ? L.close : L.open);
      launcher.replaceChildren(icon(on ? "x" : "chat"));
      try { sessionStorage.setItem(storeKey, on ? 1 : ""); } catch (_) {}
      emit(on ? "open" : "close");
    }

    function emit(event, detail) {
      (handlers[event] || []).forEach(function (fn) {
        try { fn(detail); } catch (e) { warn("a handler for '" + event + "' threw", e); }
      });
    }

    function load() {
      try {
        var s = JSON.parse(localStorage.getItem(storeKey));
        if (s && /^[\w.:-]{1,128}$/.test(s.sid) && Array.isArray(s.msgs)) {
          s.msgs = s.msgs.filter(function (m) { return m && typeof m.text == "string"; });
          return s;
        }
      } catch (_) {}
      return { sid: uid(), msgs: [] };
    }

    function save() {
      try {
        localStorage.setItem(storeKey, JSON.stringify({ sid: st.sid, msgs: st.msgs.slice(-100) }, function (k, v) {
          return k[0] == "_" ? undefined : v;
        }));
      } catch (_) {}
    }

    function request(path, body, signal) {
      var headers = { Authorization: "Bearer " + key };
      if (body) headers["Content-Type"] = "application/json";
      return fetch(base + path, {
        method: body ? "POST" : "GET",
        headers: headers,
        body: body && JSON.stringify(body),
        // fetch's default credentials mode, "same-origin": cookies reach only the page's
        // own origin, so the dashboard preview proves its owner and no host site's do.
        signal: signal
      }).then(function (res) {
        if (res.ok) return res;
        return res.json().catch(Object).then(function (j) {
          var err = new Error((j && j.error && j.error.message) || "HTTP " + res.status);
          err.status = res.status;
          err.wait = parseInt(res.headers.get("Retry-After"), 10);
          throw err;
        });
      });
    }

    function mount(server, lang, words) {
      c = readConfig(server || {}, data, lang, words);
      L = c.labels;
      inline_ = c.mode == "inline";
      var target = inline_ ? doc.querySelector(c.target) : doc.body;
      if (!target) return warn("no element matches data-target " + c.target);
      host = h("docent-widget");
      root = host.attachShadow({ mode: "open" });
      var css = CSS + ":host{--ac:" + c.accent + ";--on:" + onColor(c.accent) + (inline_ ? ";height:100%!important" : "") + "}";
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        root.adoptedStyleSheets = [sheet];
      } catch (_) {
        root.append(h("style", 0, css));
      }
      var dir = c.dir || doc.documentElement.dir || doc.body.dir || getComputedStyle(doc.documentElement).direction;
      wrap = root.appendChild(h("div", {
        class: "w" + (inline_ ? " in" : c.position == "left" ? " lf" : ""), dir: dir == "rtl" ? "rtl" : "ltr", lang: lang,
        keydown: function (e) { if (e.key == "Escape") actions.close(); }
      }));
      var scheme = win.matchMedia && matchMedia("(prefers-color-scheme: dark)");
      function theme() {
        wrap.classList.toggle("dk", c.theme == "dark" || (c.theme != "light" && !!scheme && scheme.matches));
      }
      theme();
      if (scheme && scheme.addEventListener) scheme.addEventListener("change", guard(theme));
      target.append(host);
      if (inline_) {
        buildPanel();
        sync();
      } else {
        launcher = wrap.appendChild(h("button", {
          class: "ln", type: "button", "aria-label": L.open, "aria-expanded": "false", "aria-controls": "dp",
          click: actions.toggle
        }, icon("chat")));
        try { if (sessionStorage.getItem(storeKey)) actions.open(1); } catch (_) {}
      }
      queue.forEach(function (call) { actions[call[0]](call[1]); });
      emit("ready");
    }

    function buildPanel() {
      if (panel) return;
      var avatar = safeUrl(c.avatar_url || "");
      var title = c.title || c.bot_name || "Chat";
      panel = wrap.appendChild(h("div", {
        id: "dp", class: "p", role: inline_ ? "region" : "dialog", "aria-label": title, hidden: !inline_
      }, [
        h("div", { class: "hd" }, [
          /^https?:/.test(avatar) ? h("img", { src: avatar, alt: "", referrerpolicy: "no-referrer" }) : null,
          h("h2", 0, title),
          button(L.reset, "add", actions.reset),
          inline_ ? null : button(L.close, "x", actions.close)
        ]),
        (log = h("div", { class: "lg" })),
        (bar = h("div", { class: "hb" })),
        (live = h("div", { class: "r", "aria-live": "polite" })),
        h("form", { class: "f", submit: function (e) { e.preventDefault(); busy ? controller.abort() : submit(); } }, [
          (input = h("textarea", {
            rows: 1, maxlength: 4000, placeholder: c.placeholder || L.ask, "aria-label": L.input,
            keydown: function (e) {
              if (e.key == "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                if (!busy) submit();
              }
            }
          })),
          (sendBtn = h("button", { class: "sb", type: "submit" }))
        ])
      ]));
      setBusy(0);
      redraw();
    }

    function submit() {
      var text = input.value;
      if (!text.trim()) return;
      input.value = "";
      actions.send(text);
    }

    function setBusy(on) {
      busy = on;
      sendBtn.setAttribute("aria-label", on ? L.stop : L.send);
      sendBtn.replaceChildren(icon(on ? "stop" : "send"));
    }

    function announce(text) {
      live.textContent = "";
      setTimeout(function () { live.textContent = text; }, 50);
    }

    function redraw() {
      log.textContent = "";
      if (c.welcome_message) log.append(row({ role: "assistant", text: String(c.welcome_message), welcome: 1 }));
      if (!st.msgs.length && c.starters.length) {
        log.append(h("div", { class: "q" }, c.starters.map(function (q) {
          return h("button", { type: "button", click: function () { actions.send(q); } }, q);
        })));
      }
      st.msgs.forEach(function (m) { log.append(row(m)); });
      log.scrollTop = log.scrollHeight;
      extras();
    }

    // "Talk to a person" (always, or once an answer went unanswered) and the lead form.
    function extras() {
      var hand = c.handoff == "always" || (c.handoff == "unanswered" && st.msgs.some(function (m) { return m.ok === false; }));
      bar.replaceChildren();
      [hand && "handoff", c.lead_form && "lead"].forEach(function (kind) {
        if (kind) bar.append(h("button", { type: "button", click: function () { leadForm(kind); } }, L[kind]));
      });
      bar.hidden = !bar.firstChild;
    }

    function leadForm(kind) {
      var old = log.querySelector(".ld"), f = {};
      if (old) old.remove();
      var form = log.appendChild(h("form", { class: "ld", submit: function (e) {
        e.preventDefault();
        request("/v1/leads", {
          sessionId: st.sid, kind: kind, name: f.name.value, email: f.email.value, message: f.input.value
        }).then(function () {
          form.replaceChildren(h("p", 0, L.sent));
          announce(L.sent);
        }, function (e) {
          form.append(h("p", { class: "e" }, e.status ? e.message : L.network));
        });
      } }, ["name", "email", "input"].map(function (n) {
        return h("label", 0, [L[n], (f[n] = h(n == "input" ? "textarea" : "input", { name: n, type: n == "email" ? "email" : null, required: n == "email" }))]);
      }).concat(h("button", { class: "sb", type: "submit", "aria-label": L.send }, icon("send")))));
      form.scrollIntoView({ block: "nearest" });
      f.name.focus();
    }

    // Draw one message; assistant text goes through the allowlist markdown renderer.
    function row(m) {
      var el = m._el || (m._el = h("div", { class: "m " + (m.role == "user" ? "u" : "a") }));
      el.textContent = "";
      m._b = el.appendChild(h("div", { class: "b" }));
      if (m.role == "user") {
        m._b.textContent = m.text;
        return el;
      }
      fill(m);
      if (m.st == "interrupted") el.append(h("div", { class: "n" }, L.stopped));
      if (m.err) el.append(h("div", { class: "e" }, [m.err + " ", h("button", { type: "button", click: function () { retry(m); } }, L.retry)]));
      var seen = {}, links = (m._busy ? [] : m.sources || []).filter(function (s) {
        var id = s && (s.url || s.title);
        return id && !seen[id] && (seen[id] = 1);
      }).map(function (s) {
        var href = safeUrl(s.url || "");
        return /^https?:/.test(href) ? h("a", { href: href, target: "_blank", rel: "noopener noreferrer", title: s.snippet || null }, s.title || href) : h("div", 0, s.title);
      });
      if (links.length) el.append(h("div", { class: "s" }, [h("div", 0, L.sources)].concat(links)));
      if (m.id && m.text && !m._busy) {
        el.append(h("div", { class: "x" }, [
          navigator.clipboard ? button(L.copy, "copy", function () { copy(m, this); }) : null,
          rateButton(m, "up"),
          rateButton(m, "down")
        ]));
      }
      return el;
    }

    function rateButton(m, rating) {
      var b = button(L[rating], "up", function () {
          m.fb = rating;
          save();
          [].forEach.call(this.parentNode.querySelectorAll("[aria-pressed]"), function (b, i) {
            b.setAttribute("aria-pressed", String(i == (rating == "up" ? 0 : 1)));
          });
          announce(L.thanks);
          rate(m, rating);
          note(m, this.parentNode.parentNode, rating == "down");
      }, rating == "up" ? null : "dn");
      b.setAttribute("aria-pressed", m.fb == rating);
      return b;
    }

    function rate(m, rating, comment) {
      emit("feedback", { message_id: m.id, rating: rating, comment: comment });
      request("/v1/messages/" + encodeURIComponent(m.id) + "/feedback", { rating: rating, comment: comment }).catch(function (e) { warn("feedback not saved", e); });
    }

    // After a thumbs-down, ask what was wrong: an optional comment, sent with the rating.
    function note(m, el, on) {
      var old = el.querySelector(".c");
      if (old) {
        if (on) return;
        old.remove();
      }
      if (!on) return;
      var box = h("textarea", { rows: 2, maxlength: 2000, "aria-label": L.why, placeholder: L.why });
      var form = el.appendChild(h("form", { class: "f c", submit: function (e) {
        e.preventDefault();
        form.remove();
        if (box.value.trim()) {
          rate(m, "down", box.value.trim());
          announce(L.thanks);
        }
      } }, [box, h("button", { class: "sb", type: "submit", "aria-label": L.send }, icon("send"))]));
      form.scrollIntoView({ block: "nearest" });
      box.focus();
    }

    function copy(m, el) {
      navigator.clipboard.writeText(m.text).then(function () {
        el.setAttribute("aria-label", L.copied);
        announce(L.copied);
        setTimeout(function () { el.setAttribute("aria-label", L.copy); }, 2000);
      }, function (e) { warn("copy failed", e); });
    }

    function fill(m) {
      m._b.textContent = "";
      if (m.text) markdown(m.text, m._b);
      else if (m._busy) m._b.append(h("span", { class: "d", role: "img", "aria-label": L.typing }, [h("i"), h("i"), h("i")]));
      else if (!m.err) m._b.remove();
    }

    function paint(m) {
      if (frame) return;
      frame = requestAnimationFrame(function () {
        frame = 0;
        var atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
        fill(m);
        if (atEnd) log.scrollTop = log.scrollHeight;
      });
    }

    function retry(m) {
      if (busy) return;
      var i = st.msgs.indexOf(m), prev = st.msgs[i - 1];
      st.msgs.splice(i, 1);
      redraw();
      if (prev && prev.role == "user") ask(prev.text);
    }

    // Stream one answer over NDJSON; every path ends in a drawn answer or a drawn error.
    function ask(text) {
      var m = { role: "assistant", text: "", sources: [], _busy: 1 }, ended = 0;
      var ctrl = (controller = new AbortController());
      st.msgs.push(m);
      log.append(row(m));
      log.scrollTop = log.scrollHeight;
      setBusy(1);
      save();
      function handle(ev) {
        if (ev.type == "start") m.id = ev.message_id;
        else if (ev.type == "delta") { m.text += ev.content || ""; paint(m); }
        else if (ev.type == "sources") m.sources = ev.sources || [];
        else if (ev.type == "end") { ended = 1; m.ok = ev.answered; }
        else if (ev.type == "error") { ended = 1; m.err = (ev.error && ev.error.message) || L.error; }
      }
      request("/v1/chat/stream", { sessionId: st.sid, message: text }, ctrl.signal).then(function (res) {
        var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
            var lines = buffer.split("\n");
            buffer = chunk.done ? "" : lines.pop();
            lines.forEach(function (line) { if (line.trim()) handle(JSON.parse(line)); });
            if (!chunk.done) return pump();
          });
        }
        return pump();
      }).then(function () {
        if (!ended) throw new Error(L.network);
      }).catch(function (e) {
        if (ctrl.signal.aborted) m.st = "interrupted";
        else if (e.status == 429) m.err = L.rate.replace("{s}", e.wait > 0 ? e.wait : 60);
        else m.err = e.status ? e.message : L.network;
      }).then(guard(function () {
        if (frame) cancelAnimationFrame(frame);
        frame = 0;
        m._busy = 0;
        if (controller == ctrl) { controller = 0; setBusy(0); }
        if (st.msgs.indexOf(m) < 0) return;
        var atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
        row(m);
        if (atEnd) log.scrollTop = log.scrollHeight;
        save();
        announce(m.err || (m._b && m._b.textContent) || L.stopped);
        extras();
        emit(m.err ? "error" : "answer", m.err ? { message: m.err } : { message_id: m.id, text: m.text, sources: m.sources });
      }));
    }

    // The server's transcript is the truth; fetch it once, when the visitor first looks.
    function sync() {
      if (synced) return;
      synced = 1;
      if (!st.msgs.length) return;
      var sid = st.sid;
      request("/v1/sessions/" + encodeURIComponent(sid) + "/messages").then(function (res) {
        return res.json();
      }).then(guard(function (j) {
        if (busy || sid != st.sid) return;
        st.msgs = j.messages.map(function (x) {
          return {
            id: x.message_id, role: x.role, text: x.content || "", sources: x.sources, st: x.status,
            fb: x.feedback && x.feedback.rating, ok: x.answered, err: x.status == "failed" ? L.error : ""
          };
        });
        save();
        redraw();
      }), function (e) {
        if (e.status == 404 && !busy && sid == st.sid) {
          st.msgs = [];
          save();
          redraw();
        }
      });
    }

    function boot() {
      if (!key) return warn("the script tag needs data-key");
      var lang = (data.lang || doc.documentElement.lang || navigator.language || "en").toLowerCase().split("-")[0];
      // Another language's words are fetched only when needed; a failure leaves English.
      var words = LANGS.test(lang) ? fetch(base + "/widget/i18n/" + lang + ".json").then(function (res) {
        return res.ok ? res.json() : {};
      }).catch(function () { return {}; }) : {};
      Promise.all([request("/v1/widget/config").then(function (res) { return res.json(); }), words]).then(function (r) {
        whenReady(function () { mount(r[0], lang, r[1]); });
      }, function (e) {
        // A refused origin looks like a network error: CORS hides the 403 from us.
        warn("not started: " + (e.status ? e.message : base + " is unreachable or does not allow this page's origin"));
      });
    }

    function whenReady(fn) {
      fn = guard(fn);
      if (doc.readyState == "loading") doc.addEventListener("DOMContentLoaded", fn);
      else fn();
    }

    G.widgets.push(api);
    boot();
    return api;
  }

  // One global, defined only if absent; a foreign window.Docent is left alone.
  var G = win.Docent;
  if (!G) G = win.Docent = makeGlobal();
  else if (!G.widgets) {
    warn("window.Docent is taken; the widget runs without its API");
    G = makeGlobal();
  }
  try {
    if (!script || !win.fetch || !doc.head.attachShadow) warn("this browser cannot run the widget");
    else start(script);
  } catch (e) {
    warn("could not start", e);
  }
})(window, document);
