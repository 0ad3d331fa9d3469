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

  function chart(view, key, label) {
    var data = view.data, n = view.state.frames.length, W = 280, H = 70;
    var series = [];
    for (var f = 0; f < n; f++) series.push(view.counts(f));
    var total = Math.max.apply(null, series.map(function (c) {
      return c.reduce(function (s, x) { return s + x[key]; }, 0);
    })) || 1;
    var box = el("div", "mapgen-chart");
    box.appendChild(el("div", "mapgen-chart-title", label));
    var root = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    root.setAttribute("aria-label", label + " by status over time");
    var x = function (f) { return n > 1 ? f * W / (n - 1) : W / 2; };
    var base = series.map(function () { return 0; });
    data.legend.statuses.forEach(function (s, i) {
      var top = series.map(function (c, f) { return base[f] + c[i][key]; });
      var pts = [];
      for (var f = 0; f < n; f++) pts.push(x(f).toFixed(1) + "," + (H - top[f] * H / total).toFixed(1));
      for (f = n - 1; f >= 0; f--) pts.push(x(f).toFixed(1) + "," + (H - base[f] * H / total).toFixed(1));
      root.appendChild(svg("polygon", { points: pts.join(" "), fill: s.colour, stroke: "none", "class": "mapgen-area-" + s.id }));
      base = top;
    });
    var cursor = svg("line", { x1: 0, x2: 0, y1: 0, y2: H, stroke: "#000", "stroke-width": 1.5 });
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
        var slider = el("input", "mapgen-slider");
        slider.setAttribute("type", "range");
        slider.setAttribute("min", "0");
        slider.setAttribute("max", String(frames.length - 1));
        slider.setAttribute("step", "1");
        slider.setAttribute("aria-label", "Date");
        slider.value = "0";
        row.appendChild(play); row.appendChild(slider);
        box.appendChild(row);
        self.dateLabel = el("div", "mapgen-timeline-date", frames[0].label);
        box.appendChild(self.dateLabel);
        var range = el("div", "mapgen-timeline-range", frames[0].label + " \u2013 " + frames[frames.length - 1].label);
        box.appendChild(range);
        // one date has no course to chart
        self.charts = frames.length > 1 ? [chart(self, "districts", "Districts")] : [];
        if (frames.length > 1 && self.data.legend.population) self.charts.push(chart(self, "pop", "People"));
        self.charts.forEach(function (c) { box.appendChild(c.box); });
        slider.addEventListener("input", function () { self.stop(); self.show(parseInt(slider.value, 10)); });
        play.addEventListener("click", function () { self.timer ? self.stop() : self.play(); });
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
    }, 600);
  };

  TimelineView.prototype.stop = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.playButton) this.playButton.textContent = "\u25b6 Play";
  };

  mg.TimelineView = TimelineView;
})(window);
