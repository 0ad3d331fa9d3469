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
      tr.appendChild(el("td", null, c.changed_on || "\u2014"));
      var s = el("td"); s.appendChild(mg.sourceList(data, c.sources)); tr.appendChild(s);
      t.appendChild(tr);
    });
    return t;
  }

  mg.compare = function (before, after, container) {
    sync(before.map, after.map);
    var data = before.data;
    var f0 = before.state.frames[0], f1 = before.state.frames[1];
    container.appendChild(el("h2", null, "What changed between " + f0.label + " and " + f1.label +
      " \u2014 " + data.region));
    container.appendChild(numbers(before, after));
    container.appendChild(el("p", "mapgen-change-count", data.changes.length + " places changed status"));
    container.appendChild(table(data));
  };
})(window);
