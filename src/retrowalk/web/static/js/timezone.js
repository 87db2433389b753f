/* Fill the hidden time-zone field with the browser's IANA zone, so dates show in local time. */
(function () {
  "use strict";
  var field = document.querySelector("[data-time-zone]");
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (field && zone) field.value = zone;
  } catch (e) { /* keep the server's default */ }
})();
