// The admin timeline, enhanced. Every action is a link or a form without this file: a free
// range is a link that opens the booking-or-block panel, a booking a link to its panel.
// This file adds: opening a narrow screen's day at the current time; choosing the time
// where the pointer is (a click, or a drag across a range) rather than a whole free
// range; and moving the focus to a panel that opens.
(function () {
  "use strict";
  var SNAP = 15 * 60 * 1000; // selections snap to quarter hours
  var HOUR = 60 * 60 * 1000;
  var drag = null;
  var swallowClick = false;

  function timeline() {
    return document.querySelector(".timeline[data-window-start]");
  }

  // A narrow screen scrolls the day sideways: open it at the time the server chose (the
  // current time, the booking or range being acted on, or the first booking), not at
  // midnight. The lane names stay in view (sticky), so the time lands just right of them.
  function scrollToTime() {
    var el = timeline();
    if (!el || el.dataset.scrollLeft === undefined || el.scrollWidth <= el.clientWidth) {
      return;
    }
    var track = el.querySelector(".timeline-row:not(.timeline-axis) .lane-track") ||
      el.querySelector(".lane-track");
    var name = el.querySelector(".lane-name");
    if (!track) { return; }
    var x = track.offsetLeft + track.offsetWidth * parseFloat(el.dataset.scrollLeft) / 100;
    el.scrollLeft = Math.max(0, x - (name ? name.offsetWidth : 0) - 36);
  }

  function instantAt(track, clientX) {
    var el = timeline();
    var rect = track.getBoundingClientRect();
    var start = Number(el.dataset.windowStart);
    var end = Number(el.dataset.windowEnd);
    var fraction = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    return start + fraction * (end - start);
  }

  function iso(ms) {
    return new Date(ms).toISOString().replace(".000Z", "Z");
  }

  function go(base, params) {
    var url = new URL(base, window.location.href);
    Object.keys(params).forEach(function (key) { url.searchParams.set(key, params[key]); });
    var target = url.pathname + url.search;
    if (window.htmx) {
      window.htmx.ajax("GET", target, { target: "#timeline", swap: "innerHTML" }).then(function () {
        window.history.pushState({}, "", target);
      });
    } else {
      window.location.href = target;
    }
  }

  // Open the panel for [from, to) on a lane, or in move mode the booking's panel with the
  // new start and resource filled in.
  function choose(track, from, to) {
    var el = timeline();
    var resource = track.dataset.resource;
    if (el.dataset.moveUrl) {
      go(el.dataset.moveUrl, { resource: resource, from: iso(from) });
    } else if (el.dataset.newUrl) {
      go(el.dataset.newUrl, { resource: resource, from: iso(from), to: iso(to) });
    }
  }

  function selectionBox(track) {
    var box = track.querySelector(".timeline-selection");
    if (!box) {
      box = document.createElement("li");
      box.className = "timeline-selection";
      box.setAttribute("aria-hidden", "true");
      track.appendChild(box);
    }
    return box;
  }

  document.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || event.pointerType === "touch" || !event.target.closest) { return; }
    var track = event.target.closest(".view-day .lane-track[data-resource]");
    if (!track || event.target.closest(".seg-booking, .seg-hold") || timeline().dataset.moveUrl) {
      return;
    }
    drag = { track: track, x: event.clientX, from: instantAt(track, event.clientX), moved: false };
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    if (!drag.moved && Math.abs(event.clientX - drag.x) < 6) { return; }
    drag.moved = true;
    event.preventDefault();
    var el = timeline();
    var total = Number(el.dataset.windowEnd) - Number(el.dataset.windowStart);
    var now = instantAt(drag.track, event.clientX);
    var lo = Math.min(drag.from, now) - Number(el.dataset.windowStart);
    var hi = Math.max(drag.from, now) - Number(el.dataset.windowStart);
    var box = selectionBox(drag.track);
    box.style.left = (lo / total * 100) + "%";
    box.style.width = ((hi - lo) / total * 100) + "%";
  });

  document.addEventListener("pointerup", function (event) {
    if (!drag) { return; }
    var done = drag;
    drag = null;
    if (!done.moved) { return; }
    // The click that ends a drag (if it lands where it began) opens nothing by itself.
    swallowClick = true;
    window.setTimeout(function () { swallowClick = false; }, 0);
    var now = instantAt(done.track, event.clientX);
    var from = Math.floor(Math.min(done.from, now) / SNAP) * SNAP;
    var to = Math.ceil(Math.max(done.from, now) / SNAP) * SNAP;
    choose(done.track, from, to > from ? to : from + SNAP);
  });

  // A free range is a link: dragging across it selects time, never drags the link away.
  document.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest(".view-day .lane-track")) { event.preventDefault(); }
  });
  document.addEventListener("pointercancel", function () {
    if (drag) { drag = null; }
  });

  // A pointer's click on a free range opens the panel at the clicked quarter hour (an
  // hour long, within the free range). A keyboard's (detail 0) follows the link: the
  // whole free range.
  document.addEventListener("click", function (event) {
    if (swallowClick) {
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    var link = event.target.closest ? event.target.closest("a.gap-link") : null;
    if (!link || event.detail === 0) { return; }
    var track = link.closest(".lane-track[data-resource]");
    event.preventDefault();
    event.stopPropagation();
    var from = Math.floor(instantAt(track, event.clientX) / SNAP) * SNAP;
    var to = Math.min(from + HOUR, Number(link.dataset.to));
    choose(track, from, to > from ? to : from + SNAP);
  }, true);

  // A panel that opens takes the focus (its first field with an error, else its heading);
  // a day shown anew opens at its time.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "timeline") { return; }
    scrollToTime();
    var invalid = document.querySelector("#timeline-panel [aria-invalid='true'], #timeline-panel .flash-error");
    var heading = document.getElementById("timeline-panel-title");
    var focus = invalid || heading;
    if (focus) {
      if (focus.classList.contains("flash-error")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    scrollToTime();
    var heading = document.getElementById("timeline-panel-title");
    var invalid = document.querySelector("#timeline-panel [aria-invalid='true']");
    if (invalid) { invalid.focus(); } else if (heading) { heading.focus(); }
  });
})();
