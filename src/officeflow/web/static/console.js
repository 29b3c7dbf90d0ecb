// officeflow console: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Times: the server writes UTC; show the reader's local time (UTC stays in the tooltip).
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) return;
    el.title = el.textContent.trim();
    el.textContent = format.format(when);
  });

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      // Destructive actions ask first.
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        return;
      }
      // JSON fields must parse before the form goes.
      var bad = null;
      form.querySelectorAll("textarea[data-json]").forEach(function (area) {
        var text = area.value.trim();
        area.setCustomValidity("");
        area.removeAttribute("aria-invalid");
        if (!text) return;
        try { JSON.parse(text); } catch (err) {
          area.setCustomValidity("Not valid JSON: " + err.message);
          area.setAttribute("aria-invalid", "true");
          bad = bad || area;
        }
      });
      if (bad) {
        event.preventDefault();
        bad.reportValidity();
        return;
      }
      // One submission per click.
      var button = event.submitter;
      if (button && button.name) {
        var keep = document.createElement("input");
        keep.type = "hidden";
        keep.name = button.name;
        keep.value = button.value;
        form.appendChild(keep);
      }
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-busy", "true");
        b.disabled = true;
      });
    });
  });

  // Back to a page kept in the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.removeAttribute("aria-busy");
      b.disabled = false;
    });
  });

  // Times typed into a filter are the reader's local time, as the pages show it: name the zone
  // beside the fields and send it (only when a time is given). Without this script: UTC.
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("input[data-time-zone]").forEach(function (field) {
    var form = field.form;
    if (!field.value && zone) field.value = zone;
    if (!field.value) return;
    form.querySelectorAll("[data-zone-label]").forEach(function (label) {
      label.textContent = "(" + field.value + ")";
    });
    form.addEventListener("submit", function () {
      var times = form.querySelectorAll("input[type=datetime-local]");
      if (!Array.prototype.some.call(times, function (t) { return t.value; })) field.disabled = true;
    });
  });

  // Filter forms: drop empty fields from the URL.
  document.querySelectorAll("form[data-clean-get]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (!field.value) field.disabled = true;
      });
    });
  });

  // A graph wider than its box: bring the step in progress (or the failed one) into view.
  document.querySelectorAll(".graph-wrap").forEach(function (wrap) {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    var node = wrap.querySelector(".node.is-failed, .node.is-current") || wrap.querySelector(".node.start");
    if (!node) return;
    var box = node.getBoundingClientRect();
    var frame = wrap.getBoundingClientRect();
    wrap.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  });

  // Copy buttons.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1200);
      });
    });
  });
})();
