// Exemplar preview: reloads the page when it was rebuilt, applies CSS without a reload, shows
// content errors over the last good page and warnings in a panel beside it. Injected by
// `exemplar serve` only, never by `build`.
(function () {
  "use strict";
  var here = decodeURIComponent(location.pathname).replace(/^\//, "").replace(/index\.html$/, "");
  var overlay = null;
  var panel = null;
  // The server's own page for a path with no page (before any build succeeded, or in a theme
  // without 404.html): its text is the overlay data's. The first good build changes every page
  // ("*"), which reloads it.
  var fallback = document.getElementById("exemplar-not-found");

  // A box of the preview's own, fixed over the page.
  function box(tag, id, role, css) {
    var element = document.createElement(tag);
    element.id = id;
    element.setAttribute("role", role);
    element.style.cssText = "position:fixed;z-index:2147483647;overflow:auto;color:#fff;" + css;
    document.body.appendChild(element);
    return element;
  }

  function diagnosticBlock(d) {
    var pre = document.createElement("pre");
    pre.className = "exemplar-diagnostic";
    pre.style.cssText = "white-space:pre-wrap;background:#000;color:#fff;padding:12px;border-left:4px solid " +
      (d.severity === "error" ? "#ff6b6b" : "#ffd166") + ";margin:0 0 12px";
    pre.textContent = d.text;
    return pre;
  }

  // Warnings do not stop the build: a panel in a corner that leaves the page usable. Hidden by
  // the reader, it stays hidden for the same warnings until the browser tab is closed.
  function showWarnings(state) {
    var warnings = state && state.errors === 0 && state.diagnostics ?
      state.diagnostics.filter(function (d) { return d.severity === "warning"; }) : [];
    var key = "exemplar-hidden-warnings";
    var seen = warnings.map(function (d) { return d.text; }).join("\n");
    var hidden = false;
    try { hidden = sessionStorage.getItem(key) === seen; } catch (e) { /* no storage: shown */ }
    if (warnings.length === 0 || hidden) {
      if (panel) { panel.remove(); panel = null; }
      return;
    }
    if (!panel) {
      panel = box("aside", "exemplar-warnings", "status", "right:12px;bottom:12px;max-width:min(44rem,calc(100vw - 24px));" +
        "max-height:40vh;background:rgba(20,20,20,.94);padding:12px 16px;border-radius:6px;" +
        "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;box-shadow:0 2px 12px rgba(0,0,0,.4)");
    }
    panel.textContent = "";
    var head = document.createElement("p");
    head.style.cssText = "display:flex;gap:12px;align-items:center;justify-content:space-between;margin:0 0 8px;" +
      "font:bold 14px sans-serif;color:#ffd166";
    head.textContent = state.strings.warnings;
    var hide = document.createElement("button");
    hide.type = "button";
    hide.id = "exemplar-warnings-hide";
    hide.textContent = state.strings.hide;
    hide.style.cssText = "font:13px sans-serif;cursor:pointer";
    hide.onclick = function () {
      try { sessionStorage.setItem(key, seen); } catch (e) { /* hidden for this page only */ }
      panel.remove();
      panel = null;
    };
    head.appendChild(hide);
    panel.appendChild(head);
    warnings.forEach(function (d) { panel.appendChild(diagnosticBlock(d)); });
  }

  function showErrors(state) {
    if (fallback && state && state.strings) { fallback.textContent = state.strings.not_found; }
    showWarnings(state);
    if (!state || !state.diagnostics || state.errors === 0) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = box("div", "exemplar-errors", "alert", "inset:0;background:rgba(20,20,20,.92);" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:24px");
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
    state.diagnostics.forEach(function (d) { overlay.appendChild(diagnosticBlock(d)); });
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
    var mine = data.changed.indexOf(here) >= 0 || data.changed.indexOf("*") >= 0;
    if (mine) { location.reload(); return; }
    // The overlay goes; the warnings are shown as they are now.
    fetchState();
    if (data.changed.some(function (p) { return /\.css$/.test(p); })) {
      var onlyCss = data.changed.every(function (p) { return /\.css$/.test(p); });
      if (onlyCss) { reloadStyles(); } else { location.reload(); }
    }
  });
})();
