/* Player panel: transaction ids written in messages become links that search the transaction log. */
(function () {
  "use strict";
  function start() {
    var panel = document.getElementById("pp-tx");
    if (!panel) { return; }
    var ids;
    try { ids = JSON.parse(panel.getAttribute("data-tx-ids") || "[]"); } catch (e) { return; }
    if (!ids.length) { return; }
    var search = panel.getAttribute("data-tx-search");
    var known = {};
    ids.forEach(function (id) { known[id] = true; });
    var pattern = /\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9][A-Za-z0-9_-]{5,63}\b/g;
    document.querySelectorAll(".msg-body").forEach(function (body) {
      var walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      var nodes = [];
      while (walker.nextNode()) { nodes.push(walker.currentNode); }
      nodes.forEach(function (node) {
        var text = node.nodeValue, last = 0, match, parts = [];
        pattern.lastIndex = 0;
        while ((match = pattern.exec(text)) !== null) {
          if (!known[match[0]]) { continue; }
          parts.push(document.createTextNode(text.slice(last, match.index)));
          var link = document.createElement("a");
          link.href = search + "?q=" + encodeURIComponent(match[0]);
          link.className = "pp-txlink mono";
          link.textContent = match[0];
          link.setAttribute("data-tx", match[0]);
          parts.push(link);
          last = match.index + match[0].length;
        }
        if (!parts.length) { return; }
        parts.push(document.createTextNode(text.slice(last)));
        var frag = document.createDocumentFragment();
        parts.forEach(function (p) { frag.appendChild(p); });
        node.parentNode.replaceChild(frag, node);
      });
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-tx]") : null;
      if (!link || !window.htmx) { return; }
      event.preventDefault();
      var box = document.getElementById("pp-tx-q");
      if (box) { box.value = link.getAttribute("data-tx"); }
      window.htmx.ajax("GET", link.href, { target: "#pp-tx-body" });
      panel.scrollIntoView({ behavior: "smooth" });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
