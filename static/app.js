// Small behaviours the CSP allows: no inline scripts anywhere.
(function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  function tickCountdowns() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Date.parse(el.dataset.countdown) - Date.now()) / 1000;
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = Math.floor(left % 60);
      el.textContent = (d ? d + "d " : "") + pad(h) + "h " + pad(m) + "m " + pad(s) + "s";
    });
  }
  function applySizes(root) {
    root.querySelectorAll("[data-h]").forEach(function (el) { el.style.height = el.dataset.h + "px"; });
    root.querySelectorAll("[data-w]").forEach(function (el) { el.style.width = el.dataset.w + "%"; });
  }
  // Times in the viewer's own zone: <time data-local-time> (the server's UTC text is the
  // no-script fallback), and the publish form sends the zone its time was typed in.
  function localTimes() {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone, root = document;
    if (!zone) return;
    root.querySelectorAll("[data-time-zone]").forEach(function (el) { el.value = zone; });
    root.querySelectorAll("[data-time-zone-label]").forEach(function (el) { el.textContent = zone; });
    root.querySelectorAll("time[data-local-time]").forEach(function (el) {
      el.textContent = new Date(el.dateTime).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tickCountdowns(); applySizes(document); localTimes();
    setInterval(tickCountdowns, 1000);
    document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = button.closest(".topbar").classList.toggle("nav-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    document.querySelectorAll("[data-switch-workspace]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        sel.form.action = "/workspaces/" + sel.value + "/switch"; sel.form.submit();
      });
    });
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    tickCountdowns(); applySizes(e.target); localTimes();
  });
})();
// 422 (validation) and 402 (out of credits) answers carry a re-rendered form: swap them.
document.addEventListener("htmx:beforeSwap", function (e) {
  var status = e.detail.xhr.status;
  if (status === 422 || status === 402) { e.detail.shouldSwap = true; e.detail.isError = false; }
});
// Any other failed htmx request tells the user instead of doing nothing.
(function () {
  function toast(message) {
    var el = document.getElementById("toast");
    if (!el) {
      el = document.createElement("div");
      el.id = "toast"; el.className = "toast"; el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.textContent = message; el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, 6000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr.status === 429) {
      var wait = xhr.getResponseHeader("Retry-After");
      toast("Too many requests — try again" + (wait ? " in " + wait + " s." : " shortly."));
    } else if (xhr.status === 403 || xhr.status === 400) {
      toast("That was refused (" + xhr.status + "). Reload the page and try again.");
    } else if (xhr.status >= 500) {
      toast("Something went wrong on our side. Please try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Can't reach FluxNote. Check your connection and try again.");
  });
})();
