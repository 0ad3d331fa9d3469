/* mapgen timeline: a date slider with a play button, and a chart of districts and people by
   status over the period. Dates come from the page data as text: no time-zone arithmetic. */
(function (global) {
  "use strict";
  var mg = global.mapgen, el = mg.el, SVGNS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs) {
    var n = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    return n;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function shortDate(iso) {
    var p = iso.split("-");
    return parseInt(p[2], 10) + " " + MONTHS[parseInt(p[1], 10) - 1];
  }

  // Frames where a capital's status changes: [frame, site index, new status index].
  function capitalChanges(view) {
    var data = view.data, frames = view.state.frames, out = [];
    data.sites.id.forEach(function (_, j) {
      if (!data.sites.capital[j]) return;
      for (var f = 1; f < frames.length; f++) {
        var a = mg.statusOf(data, frames[f - 1].s[j]), b = mg.statusOf(data, frames[f].s[j]);
        if (a !== b) out.push([f, j, b]);
      }
    });
    return out;
  }

  // A stacked area chart of the share of districts (or people) under each status, with a
  // percent axis, dates along the bottom, a mark for each capital that changed hands and a
  // cursor at the date shown.
  function chart(view, key, label, falls) {
    var data = view.data, n = view.state.frames.length, frames = view.state.frames;
    var W = 290, H = 96, L0 = 30, R0 = 6, T0 = 10, B0 = 16, w = W - L0 - R0, h = H - T0 - B0;
    var series = [];
    for (var f = 0; f < n; f++) series.push(view.counts(f));
    var totals = series.map(function (c) { return c.reduce(function (s, x) { return s + (x[key] || 0); }, 0) || 1; });
    var box = el("div", "mapgen-chart");
    box.appendChild(el("div", "mapgen-chart-title", label + ", % of the region"));
    var root = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    root.setAttribute("aria-label", label + " by status, percent, " + frames[0].label + " to " + frames[n - 1].label);
    var x = function (f) { return L0 + (n > 1 ? f * w / (n - 1) : w / 2); };
    var y = function (v) { return T0 + h - v * h; };
    var base = series.map(function () { return 0; });
    data.legend.statuses.forEach(function (s, i) {
      var top = series.map(function (c, f) { return base[f] + (c[i][key] || 0) / totals[f]; });
      var pts = [];
      for (var f = 0; f < n; f++) pts.push(x(f).toFixed(1) + "," + y(top[f]).toFixed(1));
      for (f = n - 1; f >= 0; f--) pts.push(x(f).toFixed(1) + "," + y(base[f]).toFixed(1));
      root.appendChild(svg("polygon", { points: pts.join(" "), fill: s.colour, stroke: "none", "class": "mapgen-area-" + s.id }));
      base = top;
    });
    [0, 0.5, 1].forEach(function (v) {
      root.appendChild(svg("line", { x1: L0 - 3, x2: L0 + w, y1: y(v), y2: y(v), stroke: v === 0.5 ? "#ffffff" : "#888", "stroke-width": 0.6, "stroke-dasharray": v === 0.5 ? "2 2" : "" }));
      var t = svg("text", { x: L0 - 5, y: y(v) + 3, "text-anchor": "end", "font-size": 9, fill: "#444", "class": "mapgen-axis" });
      t.textContent = Math.round(v * 100) + "%";
      root.appendChild(t);
    });
    var ticks = n > 2 ? [0, Math.round((n - 1) / 2), n - 1] : (n > 1 ? [0, n - 1] : [0]);
    ticks.forEach(function (f, k) {
      var t = svg("text", { x: x(f), y: H - 3, "font-size": 9, fill: "#444", "class": "mapgen-axis",
                            "text-anchor": k === 0 ? "start" : (k === ticks.length - 1 ? "end" : "middle") });
      t.textContent = shortDate(frames[f].date);
      root.appendChild(t);
    });
    falls.forEach(function (c) {
      var g = svg("g", { "class": "mapgen-fall" });
      g.appendChild(svg("line", { x1: x(c[0]), x2: x(c[0]), y1: T0, y2: T0 + h, stroke: "#111", "stroke-width": 0.7, "stroke-dasharray": "1 2" }));
      g.appendChild(svg("path", { d: "M" + (x(c[0]) - 3.5) + "," + (T0 - 7) + "l7,0l-3.5,6z", fill: data.legend.statuses[c[2]].colour, stroke: "#111", "stroke-width": 0.6 }));
      var tip = svg("title", {});
      tip.textContent = data.sites.name[c[1]] + " \u2192 " + data.legend.statuses[c[2]].label + ", " + frames[c[0]].label;
      g.appendChild(tip);
      root.appendChild(g);
    });
    var cursor = svg("line", { x1: x(0), x2: x(0), y1: T0, y2: T0 + h, stroke: "#000", "stroke-width": 1.5 });
    root.appendChild(cursor);
    box.appendChild(root);
    return { box: box, move: function (f) { cursor.setAttribute("x1", x(f)); cursor.setAttribute("x2", x(f)); } };
  }

  function TimelineView(map, groups, data, options) {
    mg.View.call(this, map, groups, data, options);
    this.buildSlider();
    this.show(0);
  }
  TimelineView.prototype = Object.create(mg.View.prototype);
  TimelineView.prototype.constructor = TimelineView;

  TimelineView.prototype.show = function (n) {
    mg.View.prototype.show.call(this, n);
    if (this.slider) {
      this.slider.value = String(n);
      this.slider.setAttribute("aria-valuetext", this.state.frames[n].label);
      this.dateLabel.textContent = this.state.frames[n].label;
      this.charts.forEach(function (c) { c.move(n); });
    }
  };

  TimelineView.prototype.buildSlider = function () {
    var self = this, frames = this.state.frames;
    var Slider = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "mapgen-timeline mapgen-box");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var row = el("div", "mapgen-timeline-row");
        var play = el("button", "mapgen-play", "\u25b6 Play");
        play.setAttribute("type", "button");
        var prev = el("button", "mapgen-step", "\u25c0");
        prev.setAttribute("type", "button"); prev.setAttribute("aria-label", "Previous date");
        var next = el("button", "mapgen-step", "\u25b6");
        next.setAttribute("type", "button"); next.setAttribute("aria-label", "Next date");
        var speed = el("select", "mapgen-speed");
        speed.setAttribute("aria-label", "Speed");
        [["1200", "\u00bd\u00d7"], ["600", "1\u00d7"], ["300", "2\u00d7"], ["150", "4\u00d7"]].forEach(function (o) {
          var opt = el("option", null, o[1]); opt.value = o[0]; speed.appendChild(opt);
        });
        speed.value = "600";
        var slider = el("input", "mapgen-slider");
        slider.setAttribute("type", "range");
        slider.setAttribute("min", "0");
        slider.setAttribute("max", String(frames.length - 1));
        slider.setAttribute("step", "1");
        slider.setAttribute("aria-label", "Date");
        slider.value = "0";
        row.appendChild(play); row.appendChild(prev); row.appendChild(slider); row.appendChild(next);
        row.appendChild(speed);
        box.appendChild(row);
        self.dateLabel = el("div", "mapgen-timeline-date", frames[0].label);
        box.appendChild(self.dateLabel);
        var range = el("div", "mapgen-timeline-range", frames[0].label + " \u2013 " + frames[frames.length - 1].label);
        box.appendChild(range);
        // one date has no course to chart
        var falls = capitalChanges(self);
        self.charts = frames.length > 1 ? [chart(self, "districts", "Districts", falls)] : [];
        if (frames.length > 1 && self.data.legend.population) self.charts.push(chart(self, "pop", "People", falls));
        if (falls.length && self.charts.length) box.appendChild(el("div", "mapgen-chart-note", "\u25bc a capital changed hands (hover for which)"));
        self.charts.forEach(function (c) { box.appendChild(c.box); });
        slider.addEventListener("input", function () { self.stop(); self.show(parseInt(slider.value, 10)); });
        play.addEventListener("click", function () { self.timer ? self.stop() : self.play(); });
        prev.addEventListener("click", function () { self.stop(); self.show(Math.max(0, self.current - 1)); });
        next.addEventListener("click", function () { self.stop(); self.show(Math.min(frames.length - 1, self.current + 1)); });
        speed.addEventListener("change", function () { if (self.timer) { self.stop(); self.play(); } });
        self.speed = speed;
        self.slider = slider; self.playButton = play;
        return box;
      }
    });
    new Slider().addTo(this.map);
  };

  TimelineView.prototype.play = function () {
    var self = this, last = this.state.frames.length - 1;
    if (this.current >= last) this.show(0);
    this.playButton.textContent = "\u275a\u275a Pause";
    this.timer = setInterval(function () {
      if (self.current >= last) { self.stop(); return; }
      self.show(self.current + 1);
    }, parseInt(this.speed ? this.speed.value : "600", 10));
  };

  TimelineView.prototype.stop = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.playButton) this.playButton.textContent = "\u25b6 Play";
  };

  mg.TimelineView = TimelineView;
})(window);
