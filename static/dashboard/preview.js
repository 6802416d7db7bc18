/* Widget preview: open the launcher panel so the owner sees it at once. */
(function () {
  "use strict";
  var mode = document.currentScript && document.currentScript.getAttribute("data-mode");
  if (mode !== "inline" && window.Docent && typeof window.Docent.open === "function") {
    window.Docent.open();
  }
})();
