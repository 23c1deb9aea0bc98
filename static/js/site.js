// Progressive enhancement only: every page works without this file.
(function () {
  // Tell the server the visitor's own time zone, so times can show a second line in it.
  try {
    // Stored URL-encoded ("America%2FNew_York"); the server decodes it and ignores
    // anything that is not a known zone. Compare like with like, cookie by cookie.
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var stored = ("; " + document.cookie).split("; visitor_tz=")[1];
    stored = stored === undefined ? null : stored.split(";")[0];
    if (zone && stored !== encodeURIComponent(zone)) {
      document.cookie = "visitor_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browsers: venue time only */ }

  // The language switcher submits itself; its button stays for keyboard and no-JS users.
  document.addEventListener("change", function (event) {
    if (event.target.id === "lang-select") { event.target.form.submit(); }
  });

  // Hold countdown on the checkout page: counts down from the server's remaining seconds.
  var loadedAt = Date.now();
  function tick() {
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      var left = Math.max(0, parseInt(el.dataset.secondsLeft, 10) - Math.floor((Date.now() - loadedAt) / 1000));
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0 && el.dataset.expiredNotice) {
        var notice = document.getElementById(el.dataset.expiredNotice);
        if (notice) { notice.hidden = false; }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
  // The picker: after a day's times arrive, mark that day as the chosen one in the
  // month, and keep it in view in the phone's strip of days.
  function markChosenDay() {
    var times = document.getElementById("day-times");
    var month = document.getElementById("month");
    if (!times || !month) { return; }
    month.querySelectorAll("a[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
    var chosen = month.querySelector('a[data-day="' + times.dataset.day + '"]');
    if (chosen) { chosen.setAttribute("aria-current", "date"); }
  }
  function stripToChosen() {
    var chosen = document.querySelector(".cal a[aria-current]");
    var strip = chosen && chosen.closest(".cal");
    if (strip && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = chosen.parentElement.offsetLeft - 8;
    }
  }
  document.addEventListener("htmx:afterSettle", function () { markChosenDay(); stripToChosen(); });
  document.addEventListener("DOMContentLoaded", stripToChosen);

  // A secret shown once (an API key): a button copies it. Without JavaScript the button
  // stays hidden and the key is selected with a click, as any text.
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    var source = button && document.getElementById(button.dataset.copy);
    if (!source) { return; }
    var status = document.getElementById(button.dataset.copyStatus);
    function say(text) { if (status) { status.textContent = text || ""; } }
    function failed() { selectText(source); say(button.dataset.copyFailed); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        say(button.dataset.copied);
      }, failed);
    } else {
      failed();
    }
  });
})();
