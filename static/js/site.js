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
})();
