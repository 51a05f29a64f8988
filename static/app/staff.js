// The caseworker's pages: htmx swaps a refused form (422, with its field errors) and the
// conflict view (409) into the item, as it swaps a saved one; other errors are not swapped.
(function () {
  "use strict";
  if (!window.htmx) {
    return;
  }
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409", swap: true, error: false },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false }
  ];
  // After a swap, move focus to the new block's error summary or first field, for keyboard and screen reader users.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) {
      return;
    }
    var focus = target.querySelector("[autofocus], .alert-error, h2, h3, input, select, textarea");
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA)$/.test(focus.tagName)) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    }
  });
})();
