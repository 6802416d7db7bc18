/* Docent dashboard: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function percent(x) { return Math.round(Math.max(0, Math.min(1, x)) * 100); }
  function sizeText(n) {
    return n >= 1e6 ? (n / 1e6).toFixed(1) + " MB" : n >= 1e3 ? Math.round(n / 1e3) + " kB" : n + " bytes";
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  // Copy buttons: data-copy="#id" copies that element's text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = $(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var label = button.querySelector("span") || button;
    var done = function () {
      var before = label.textContent;
      label.textContent = "Copied";
      setTimeout(function () { label.textContent = before; }, 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      selectText(source);
      try { document.execCommand("copy"); done(); } catch (_) { /* selected for manual copy */ }
    }
  });
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Forms that destroy something ask first; every form disables its button once sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (form.method.toLowerCase() === "post" && !form.hasAttribute("data-upload")) {
      $$("button[type=submit]", form).forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    }
  });

  // Uploads: XHR shows bytes sent, then the server's processing progress.
  var uploadForm = $("[data-upload]");
  if (uploadForm) setUpUploads(uploadForm);

  function setUpUploads(form) {
    var input = $("input[type=file]", form);
    var list = $("[data-uploads]", form);
    var zone = $(".dropzone", form);
    var statusUrl = form.getAttribute("data-status-url");
    var pending = 0;
    input.addEventListener("change", function () { send(input.files); input.value = ""; });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) { e.preventDefault(); send(e.dataTransfer.files); });
    form.addEventListener("submit", function (e) { e.preventDefault(); send(input.files); });

    function send(files) {
      Array.prototype.forEach.call(files || [], function (file) { uploadOne(file); });
    }

    function uploadOne(file) {
      var item = el("li");
      var head = el("div", "upload-name");
      var name = el("span", null, file.name);
      var state = el("span", "muted small", "Waiting…");
      head.append(name, state);
      var bar = el("div", "progress small");
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", "Upload of " + file.name);
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      var fill = el("span");
      bar.append(fill);
      item.append(head, bar);
      list.append(item);
      var show = function (fraction, text) {
        fill.style.width = percent(fraction) + "%";
        bar.setAttribute("aria-valuenow", String(percent(fraction)));
        state.textContent = text;
      };
      var data = new FormData();
      data.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      pending += 1;
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) show(e.loaded / e.total * 0.5, "Uploading " + percent(e.loaded / e.total) + "% of " + sizeText(e.total));
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.documents) {
          var doc = body.documents[0];
          if (doc.status === "ready") { finish(true, doc); }
          else { show(0.5, "Processing…"); watch(doc.id); }
        } else {
          var message = body && body.error ? body.error.message : xhr.status === 413 ? "The file is larger than this server accepts." : "Upload failed (HTTP " + xhr.status + ").";
          finish(false, null, message);
        }
      });
      xhr.addEventListener("error", function () { finish(false, null, "The connection failed; try again."); });
      xhr.send(data);
      show(0, "Uploading…");

      function watch(id) {
        var timer = setInterval(function () {
          fetch(statusUrl, { headers: { "X-Requested-With": "fetch", "Accept": "application/json" }, credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (payload) {
              var doc = (payload.documents || []).filter(function (d) { return d.id === id; })[0];
              if (!doc) { clearInterval(timer); finish(false, null, "The document was removed."); return; }
              if (doc.status === "processing") { show(0.5 + doc.progress * 0.5, "Processing " + percent(doc.progress) + "%"); return; }
              clearInterval(timer);
              if (doc.status === "ready") finish(true, doc);
              else finish(false, null, doc.error || "Processing failed.");
            }).catch(function () { /* try again on the next tick */ });
        }, 700);
      }

      function finish(ok, doc, message) {
        pending -= 1;
        item.classList.add(ok ? "ok" : "failed");
        if (ok) {
          show(1, "Ready · " + doc.chunk_count + " passages");
          if (!pending) setTimeout(function () { window.location.reload(); }, 700);
        } else {
          show(0, "");
          var error = el("p", "error", message);
          error.setAttribute("role", "alert");
          item.append(error);
        }
      }
    }
  }

  // Documents processing in the background (e.g. after a reload) update in place.
  var processingRows = $$("tr[data-status=processing]");
  if (processingRows.length && uploadForm) {
    var url = uploadForm.getAttribute("data-status-url");
    var poll = setInterval(function () {
      fetch(url, { headers: { "X-Requested-With": "fetch", "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (payload) {
          var busy = false;
          (payload.documents || []).forEach(function (doc) {
            var row = $("tr[data-document-id='" + doc.id + "']");
            if (!row || row.getAttribute("data-status") !== "processing") return;
            if (doc.status === "processing") {
              busy = true;
              var fill = $(".progress > span", row);
              if (fill) fill.style.width = percent(doc.progress) + "%";
              var text = $("[data-cell=status] .muted", row);
              if (text) text.textContent = "Processing " + percent(doc.progress) + "%";
            }
          });
          if (!busy) { clearInterval(poll); window.location.reload(); }
        }).catch(function () { /* keep polling */ });
    }, 1000);
  }

  // Widget appearance: the preview frame follows the form as you type.
  var previewForm = $("[data-preview-form]");
  if (previewForm) setUpPreview(previewForm);

  function setUpPreview(form) {
    var frame = $("[data-preview-frame]");
    var base = form.getAttribute("data-preview-url");
    var stateText = $("[data-preview-state]", form);
    var mode = "launcher";
    var timer = null;
    var fields = ["title", "accent_color", "position", "welcome_message", "starter_questions", "avatar_url", "placeholder", "labels"];
    function refresh() {
      var params = new URLSearchParams();
      var data = new FormData(form);
      fields.forEach(function (name) {
        var value = data.get(name);
        if (value !== null && !(name === "title" && value === "")) params.set(name, value);
      });
      if (mode === "inline") params.set("mode", "inline");
      var lang = $("[data-preview-lang]");
      if (lang) params.set("lang", lang.value);
      frame.src = base + "?" + params.toString();
      if (stateText) stateText.textContent = "Preview updated (not saved yet).";
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 450);
    });
    var langPicker = $("[data-preview-lang]");
    if (langPicker) langPicker.addEventListener("change", refresh);
    $$("[data-preview-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        mode = button.getAttribute("data-preview-mode");
        $$("[data-preview-mode]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        refresh();
      });
    });
    var picker = $("[data-color-picker]");
    if (picker) {
      var text = document.getElementById(picker.getAttribute("data-color-picker"));
      picker.addEventListener("input", function () { text.value = picker.value; });
      text.addEventListener("input", function () {
        if (/^#[0-9a-fA-F]{6}$/.test(text.value)) picker.value = text.value.toLowerCase();
      });
    }
  }

  // Key forms: scopes only for secret keys; warn while a public key has no origins.
  var keyForm = $("[data-key-form]");
  if (keyForm) {
    var origins = $("textarea[name=origins]", keyForm);
    var warning = $("[data-empty-origins]", keyForm);
    var scopes = $("[data-secret-only]", keyForm);
    var update = function () {
      // An existing key's kind is fixed: the edit form names it instead of offering a choice.
      var kind = keyForm.getAttribute("data-key-kind") ||
        (keyForm.querySelector("input[name=kind]:checked") || {}).value;
      if (scopes) scopes.hidden = kind !== "secret";
      warning.hidden = !(kind === "public" && !origins.value.trim());
    };
    keyForm.addEventListener("input", update);
    keyForm.addEventListener("change", update);
    update();
  }
})();
