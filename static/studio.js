// Studio behaviours (no inline scripts under the CSP).
(function () {
  // Validation (422), refused uploads (413/415), missing credits (402) and an edit that
  // could not be voiced (409) re-render the partial with the message: swap them.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if ([402, 409, 413, 415, 422].indexOf(e.detail.xhr.status) >= 0) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches("[data-voice-select]")) {
      var audio = el.form.querySelector("[data-voice-preview]");
      var option = el.options[el.selectedIndex];
      if (audio && option && option.dataset.preview) { audio.src = option.dataset.preview; }
    }
  });
})();
