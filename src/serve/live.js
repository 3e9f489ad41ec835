// Exemplar preview: reloads the page when it was rebuilt, applies CSS without a reload, and shows
// content errors over the last good page. Injected by `exemplar serve` only, never by `build`.
(function () {
  "use strict";
  var here = decodeURIComponent(location.pathname).replace(/^\//, "").replace(/index\.html$/, "");
  var overlay = null;
  // The server's own page for a path with no page (before any build succeeded, or in a theme
  // without 404.html): its text is the overlay data's. The first good build changes every page
  // ("*"), which reloads it.
  var fallback = document.getElementById("exemplar-not-found");

  function showErrors(state) {
    if (fallback && state && state.strings) { fallback.textContent = state.strings.not_found; }
    if (!state || !state.diagnostics || state.errors === 0) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "exemplar-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.92);" +
        "color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:24px";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("h2");
    title.style.cssText = "font:bold 18px sans-serif;margin:0 0 12px;color:#ffb4b4";
    title.textContent = state.strings.title;
    overlay.appendChild(title);
    var note = document.createElement("p");
    note.style.cssText = "font:14px sans-serif;margin:0 0 16px;color:#ddd";
    note.textContent = state.strings.note;
    overlay.appendChild(note);
    state.diagnostics.forEach(function (d) {
      var pre = document.createElement("pre");
      pre.className = "exemplar-diagnostic";
      pre.style.cssText = "white-space:pre-wrap;background:#000;padding:12px;border-left:4px solid " +
        (d.severity === "error" ? "#ff6b6b" : "#ffd166") + ";margin:0 0 12px";
      pre.textContent = d.text;
      overlay.appendChild(pre);
    });
  }

  function fetchState() {
    var request = new XMLHttpRequest();
    request.open("GET", "/__exemplar/state");
    request.onload = function () {
      try { showErrors(JSON.parse(request.responseText)); } catch (e) { /* a rebuild is under way */ }
    };
    request.send();
  }

  function reloadStyles() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = link.href.replace(/[?&]exemplar-reload=\d+/, "");
      link.href = url + (url.indexOf("?") < 0 ? "?" : "&") + "exemplar-reload=" + Date.now();
    });
  }

  var source = new EventSource("/__exemplar/events");
  // A rebuild may have happened while this page was loading: ask for the state on every (re)connect.
  source.onopen = function () { window.__exemplarConnected = true; fetchState(); };
  source.addEventListener("rebuild", function (event) {
    var data = JSON.parse(event.data);
    window.__exemplarLastRebuild = data;
    if (data.errors > 0) { fetchState(); return; }
    showErrors(null);
    var mine = data.changed.indexOf(here) >= 0 || data.changed.indexOf("*") >= 0;
    if (mine) { location.reload(); return; }
    if (data.changed.some(function (p) { return /\.css$/.test(p); })) {
      var onlyCss = data.changed.every(function (p) { return /\.css$/.test(p); });
      if (onlyCss) { reloadStyles(); } else { location.reload(); }
    }
  });
})();
