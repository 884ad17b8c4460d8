// Sign-up: preselect the browser's time zone when the form is first shown.
// The server sets data-guess-time-zone only on an unsubmitted form, so a zone
// that someone chose and sent back is never replaced.
(function () {
  "use strict";
  var select = document.querySelector("select[data-guess-time-zone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
