// officeflow console: keyboard work in the inbox and on task pages. Pages work without it.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // Inbox: j/k move through the tasks, Enter (or o) opens the selected one.
  var list = document.querySelector("[data-keyboard-list]");
  if (list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll("tbody tr"));
    var at = -1;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("is-selected", n === at); });
      var link = rows[at].querySelector("a");
      if (link) link.focus({ preventScroll: false });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "j") { select(at + 1); event.preventDefault(); }
      else if (event.key === "k") { select(at - 1); event.preventDefault(); }
      else if ((event.key === "Enter" || event.key === "o") && at >= 0) {
        var link = rows[at].querySelector("a");
        if (link) { link.click(); event.preventDefault(); }
      }
    });
  }

  // Task page: number keys press the decision buttons, c claims.
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.altKey || event.ctrlKey || event.metaKey || list) return;
    var button = document.querySelector('button[data-key="' + event.key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  // Edited fields are marked (they will be recorded as corrections).
  document.querySelectorAll("input[data-original]").forEach(function (input) {
    input.addEventListener("input", function () {
      input.classList.toggle("is-edited", input.value !== input.getAttribute("data-original"));
    });
  });
})();
