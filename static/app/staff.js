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
  // A live update (the SSE extension) swaps whole parts of the plan page, e.g. all the items. An
  // item whose edit form or conflict view is open in this browser keeps it: its container in the
  // new content gets hx-preserve, so htmx puts the open one back (typed values and all). The
  // other items update; once the form is saved or left, the next update shows the item again.
  window.htmx.defineExtension("keep-open-edits", {
    transformResponse: function (text, xhr, elt) {
      if (xhr) {
        return text; // an answer to this browser's own request (a save) is swapped as it is
      }
      var open = [];
      elt.querySelectorAll(".edit-block").forEach(function (block) {
        var holder = block.parentElement && block.parentElement.closest("[id]");
        if (holder && holder !== elt && elt.contains(holder) && open.indexOf(holder.id) < 0) {
          open.push(holder.id);
        }
      });
      if (!open.length) {
        return text;
      }
      var parsed = document.createElement("template");
      parsed.innerHTML = text;
      open.forEach(function (id) {
        var fresh = parsed.content.getElementById(id);
        if (fresh) {
          fresh.setAttribute("hx-preserve", "true");
        }
      });
      return parsed.innerHTML;
    }
  });
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
