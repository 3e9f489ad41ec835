/*
 * Opened from a folder (file://), a link to a folder shows the folder's listing instead of its
 * page: no server answers it with index.html. The portal links to folders (cases/a/), so there
 * each relative folder link gets its index.html added as it is followed, whether clicked with any
 * button (the middle one opens a tab) or from the keyboard. On a web server nothing changes.
 */
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  // A relative link whose path ends in a folder: "../cases/a/", "./", "cases/?year=2024#list".
  var folder = /^(?![a-z][a-z0-9+.-]*:|\/\/)([^?#]*\/)([?#].*)?$/i;
  function follow(event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link) return;
    var parts = folder.exec(link.getAttribute("href"));
    if (parts) link.setAttribute("href", parts[1] + "index.html" + (parts[2] || ""));
  }
  // mousedown comes before any button's click (and the context menu); Enter on a link is a click.
  ["mousedown", "click"].forEach(function (type) {
    document.addEventListener(type, follow, true);
  });
})();
