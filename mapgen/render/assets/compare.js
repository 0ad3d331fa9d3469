/* mapgen comparison: two maps kept in step, and the table of what changed between them. */
(function (global) {
  "use strict";
  var mg = global.mapgen, el = mg.el;

  function sync(a, b) {
    var busy = false;
    function follow(src, dst) {
      src.on("move", function () {
        if (busy) return;
        busy = true;
        dst.setView(src.getCenter(), src.getZoom(), { animate: false });
        busy = false;
      });
    }
    follow(a, b); follow(b, a);
  }

  function numbers(before, after) {
    var data = before.data, cb = before.counts(), ca = after.counts();
    var t = el("table", "mapgen-numbers");
    var head = el("tr");
    ["Status", "Districts before", "after", "People before", "after", "km\u00b2 before", "after"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    data.legend.statuses.forEach(function (s, i) {
      var tr = el("tr");
      var td = el("td"); td.appendChild(mg.statusCell(data, i)); tr.appendChild(td);
      [cb[i].districts, ca[i].districts, mg.fmtInt(cb[i].pop), mg.fmtInt(ca[i].pop),
       mg.fmtInt(Math.round(cb[i].area)), mg.fmtInt(Math.round(ca[i].area))].forEach(function (v) {
        tr.appendChild(el("td", "mapgen-num", v));
      });
      t.appendChild(tr);
    });
    return t;
  }

  function table(data) {
    var t = el("table", "mapgen-change-table");
    var head = el("tr");
    ["Place", "Level", "Province", "Before", "After", "Changed on", "Sources"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    data.changes.forEach(function (c) {
      var tr = el("tr");
      tr.setAttribute("data-place", c.place);
      tr.appendChild(el("td", null, c.name));
      tr.appendChild(el("td", null, c.level));
      tr.appendChild(el("td", null, c.province));
      var b = el("td"); b.appendChild(mg.statusCell(data, c.before)); tr.appendChild(b);
      var a = el("td"); a.appendChild(mg.statusCell(data, c.after)); tr.appendChild(a);
      // "by": a province- or country-wide record dates the change, not the place's own
      tr.appendChild(el("td", null, c.changed_on ? (c.when === "by" ? "by " : "") + c.changed_on : "\u2014"));
      var s = el("td"); s.appendChild(mg.sourceList(data, c.sources)); tr.appendChild(s);
      t.appendChild(tr);
    });
    return t;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function shortDate(iso) {
    // YYYY-MM-DD as "7 Aug": text only, no time zone
    if (!iso) return "date not recorded";
    var by = iso.indexOf("by ") === 0 ? "by " : "";
    var p = iso.slice(by.length).split("-");
    return by + parseInt(p[2], 10) + " " + MONTHS[parseInt(p[1], 10) - 1];
  }

  // "Capitals \u2192 <status> (n): <name> <date>; <name>, <name> <date>": capitals and facilities
  // that changed hands, grouped by who holds them now and by date, above the full table.
  function summary(data) {
    var box = el("div", "mapgen-summary");
    var groups = [["capital", "Capitals"], ["facility", "Facilities"]];
    var any = false;
    groups.forEach(function (g) {
      data.legend.statuses.forEach(function (st, si) {
        var rows = data.changes.filter(function (c) { return c.importance === g[0] && c.after === si; });
        if (!rows.length) return;
        any = true;
        var line = el("div", "mapgen-summary-line");
        line.setAttribute("data-kind", g[0]);
        line.setAttribute("data-status", st.id);
        var head = el("strong", null, g[1] + " → ");
        line.appendChild(head);
        line.appendChild(mg.statusCell(data, si));
        line.appendChild(document.createTextNode(" (" + rows.length + "): "));
        var byDate = [], seen = {};
        rows.forEach(function (c) {
          var d = c.changed_on ? (c.when === "by" ? "by " : "") + c.changed_on : "";
          if (!(d in seen)) { seen[d] = byDate.length; byDate.push([d, []]); }
          byDate[seen[d]][1].push(c.name);
        });
        line.appendChild(document.createTextNode(byDate.map(function (b) {
          return b[1].join(", ") + " " + shortDate(b[0]);
        }).join("; ")));
        box.appendChild(line);
      });
    });
    if (!any) box.appendChild(el("div", "mapgen-summary-line", "No capital or facility changed hands."));
    return box;
  }

  // The "after" map as one picture of the gains: the places that changed hands in the
  // colour of who holds them now, everything else neutral.
  function gainsButton(after, label) {
    var button = el("button", "mapgen-gains-button", "Show gains since " + label + " on the right-hand map");
    button.setAttribute("type", "button");
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      after.showGains(on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "Show every status again" : "Show gains since " + label + " on the right-hand map";
    });
    return button;
  }

  mg.compare = function (before, after, container) {
    sync(before.map, after.map);
    var data = before.data;
    var f0 = before.state.frames[0], f1 = before.state.frames[1];
    container.appendChild(el("h2", null, data.title + " \u2014 " + data.region + ": what changed between " +
      f0.label + " and " + f1.label));
    container.appendChild(summary(data));
    container.appendChild(gainsButton(after, f0.label));
    container.appendChild(numbers(before, after));
    container.appendChild(el("p", "mapgen-change-count", data.changes.length + " places changed status " +
      "(by date, then capitals, facilities, provinces and districts)"));
    container.appendChild(table(data));
  };
})(window);
