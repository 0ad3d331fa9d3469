/* mapgen page logic: draws districts, outlines, sites and positions from a data payload.
   Every text that comes from records is put into the page with textContent or as an
   attribute value, never parsed as HTML; only http(s) URLs become links. */
(function (global) {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var PAYLOAD_VERSION = 2;  // mapgen.render.style.PAYLOAD_VERSION

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
  }

  function decode(geom, data) {
    // rings of arc references -> Leaflet latlngs (arcs.js)
    return global.mapgenArcs.rings(geom, data);
  }

  function fmtInt(n) {
    if (n === null || n === undefined) return "n/a";
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function ensurePattern(map, statuses) {
    // Hatch fill for statuses whose pattern is "hatch" (contested), defined once in the
    // overlay SVG so that fill="url(#...)" works and survives grey-scale printing.
    var renderer = map.getRenderer(L.polygon([[0, 0], [0, 1], [1, 0]]));
    var svg = renderer._container;
    if (!svg || svg.querySelector("defs.mapgen")) return;
    var defs = document.createElementNS(SVGNS, "defs");
    defs.setAttribute("class", "mapgen");
    statuses.forEach(function (s, i) {
      if (s.pattern !== "hatch") return;
      var p = document.createElementNS(SVGNS, "pattern");
      p.setAttribute("id", "mapgen-hatch-" + i);
      p.setAttribute("patternUnits", "userSpaceOnUse");
      p.setAttribute("width", "8"); p.setAttribute("height", "8");
      p.setAttribute("patternTransform", "rotate(45)");
      var r = document.createElementNS(SVGNS, "rect");
      r.setAttribute("width", "8"); r.setAttribute("height", "8"); r.setAttribute("fill", s.colour);
      var l = document.createElementNS(SVGNS, "line");
      l.setAttribute("x1", "0"); l.setAttribute("y1", "0"); l.setAttribute("x2", "0"); l.setAttribute("y2", "8");
      l.setAttribute("stroke", "#555"); l.setAttribute("stroke-width", "2.5");
      p.appendChild(r); p.appendChild(l); defs.appendChild(p);
    });
    svg.insertBefore(defs, svg.firstChild);
  }

  function fillFor(statuses, idx) {
    var s = statuses[idx];
    return s.pattern === "hatch" ? "url(#mapgen-hatch-" + idx + ")" : s.colour;
  }

  function State(data) {
    // Cumulative per-frame record indices from the per-frame differences.
    var nd = data.districts.code.length, ns = data.sites.id.length;
    var d = [], s = [], i;
    for (i = 0; i < nd; i++) d.push(-1);
    for (i = 0; i < ns; i++) s.push(-1);
    this.frames = data.frames.map(function (f) {
      d = d.slice(); s = s.slice();
      f.d.i.forEach(function (k, n) { d[k] = f.d.ref[n]; });
      f.s.i.forEach(function (k, n) { s[k] = f.s.ref[n]; });
      return { date: f.date, label: f.label, d: d, s: s, p: f.p };
    });
  }

  function record(data, ref) {
    // one record of the column-stored table, as an object with the payload's field names
    var r = data.records, t = r.text ? r.text[ref] : ref;  // the row holding note and sources
    return { since: r.since[ref], status: r.status[ref], via: r.via[ref], note: r.note[t],
             sources: r.sources[t], confidence: r.confidence[ref], held_since: r.held_since[ref] };
  }

  function statusOf(data, ref) {
    return ref < 0 ? data.legend.statuses.length - 1 : data.records.status[ref];
  }

  function sourceList(data, ids) {
    var list = el("ul", "mapgen-sources");
    ids.forEach(function (id) {
      var src = data.sources[id];
      var li = el("li");
      if (!src) { li.textContent = id; list.appendChild(li); return; }
      var text = src.publisher + (src.title ? ", \u201c" + src.title + "\u201d" : "") + ", " + src.published;
      var url = safeUrl(src.url);
      if (url) {
        var a = el("a", null, text);
        a.setAttribute("href", url);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        li.appendChild(a);
      } else {
        li.textContent = text + " (no link)";
      }
      list.appendChild(li);
    });
    return list;
  }

  function row(table, label, value, cls) {
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    var td = el("td", cls || null);
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    tr.appendChild(td);
    table.appendChild(tr);
  }

  function statusCell(data, idx) {
    var span = el("span", "mapgen-status");
    var sw = el("i", "mapgen-swatch mapgen-s" + idx);
    span.appendChild(sw);
    span.appendChild(document.createTextNode(data.legend.statuses[idx].label));
    return span;
  }

  function daysBetween(a, b) {
    // both are YYYY-MM-DD text, read as UTC dates: no time zone can shift them
    var pa = a.split("-"), pb = b.split("-");
    return Math.round((Date.UTC(+pb[0], pb[1] - 1, +pb[2]) - Date.UTC(+pa[0], pa[1] - 1, +pa[2])) / 864e5);
  }

  function recordRows(data, table, ref, code, date) {
    var st = statusOf(data, ref);
    row(table, "Status", statusCell(data, st), "mapgen-status-cell");
    if (ref < 0) {
      row(table, "Since", "no record on or before this date");
      return null;
    }
    var rec = record(data, ref);
    var age = daysBetween(rec.held_since, date);
    row(table, "Since", rec.held_since + (age > 0 ? " (" + age + " days before this date)" : " (this date)"));
    var latest = rec.since;
    if (rec.via !== code) latest += " (set by the record for " + (data.names[rec.via] || rec.via) + ")";
    if (rec.since !== rec.held_since || rec.via !== code) row(table, "Record in force", latest);
    if (rec.confidence) row(table, "Confidence", rec.confidence);
    if (rec.note) row(table, "Note", rec.note);
    return rec;
  }

  function districtPopup(data, state, i) {
    var box = el("div", "mapgen-popup");
    box.appendChild(el("h3", null, data.districts.name[i]));
    if (data.districts.local[i]) {
      var local = el("div", "mapgen-local", data.districts.local[i]);
      local.setAttribute("dir", data.legend.local_dir);
      if (data.legend.local_lang) local.setAttribute("lang", data.legend.local_lang);
      box.appendChild(local);
    }
    var t = el("table");
    var p = data.districts.prov[i];
    row(t, "District", data.districts.code[i] + ", " + data.provinces.name[p] + " province");
    var rec = recordRows(data, t, state.d[i], data.districts.code[i], state.date);
    if (data.legend.population) {
      var note = data.legend.population_note;
      row(t, "Population", fmtInt(data.districts.pop[i]) + (note ? " (" + note + ")" : ""));
    }
    row(t, "Area", fmtInt(Math.round(data.districts.area[i])) + " km\u00b2");
    box.appendChild(t);
    if (rec) { box.appendChild(el("div", "mapgen-h", "Sources")); box.appendChild(sourceList(data, rec.sources)); }
    return box;
  }

  function sitePopup(data, state, j) {
    var box = el("div", "mapgen-popup");
    box.appendChild(el("h3", null, data.sites.name[j]));
    var t = el("table");
    var kind = data.legend.kinds.filter(function (k) { return k.id === data.sites.kind[j]; })[0];
    row(t, "Kind", kind ? kind.label : data.sites.kind[j]);
    row(t, "Position", data.sites.precision[j] === "exact" ? "exact" :
        data.sites.precision[j] + ": the exact position is not public");
    var rec = recordRows(data, t, state.s[j], data.sites.id[j], state.date);
    box.appendChild(t);
    if (rec) { box.appendChild(el("div", "mapgen-h", "Sources")); box.appendChild(sourceList(data, rec.sources)); }
    return box;
  }

  function symbolSvg(glyph, colour, dashed) {
    // Built from the page's own constants only (glyph and colour come from the style table).
    return '<svg xmlns="' + SVGNS + '" width="24" height="24" viewBox="0 0 24 24">' +
      '<circle cx="12" cy="12" r="10" fill="' + colour + '" stroke="#222" stroke-width="1.5"' +
      (dashed ? ' stroke-dasharray="3 2"' : "") + "/>" +
      '<text x="12" y="16.5" text-anchor="middle" font-size="12" font-weight="bold" ' +
      'font-family="sans-serif" fill="#111">' + glyph + "</text></svg>";
  }

  function View(map, groups, data, options) {
    if (data.version !== PAYLOAD_VERSION) {
      throw new Error("mapgen: page data version " + data.version + ", this code reads " + PAYLOAD_VERSION);
    }
    this.map = map; this.groups = groups; this.data = data;
    this.options = options || {};
    this.state = new State(data);
    this.current = 0;
    var scale = data.scale;
    var statuses = data.legend.statuses;
    var self = this;
    ensurePattern(map, statuses);

    // light basemap of our own: the rest of the country in pale outline
    data.context.forEach(function (g) {
      L.polygon(decode(g, data), {
        color: "#b9b4aa", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1, interactive: false
      }).addTo(groups.basemap);
    });

    // thousands of districts draw and pan faster on one canvas than as SVG paths (arcs.js)
    var renderer = data.districts.code.length >= global.mapgenArcs.CANVAS_FROM ? L.canvas({ padding: 0.5 }) : null;
    this.canvas = !!renderer;
    this.districtLayers = data.districts.geom.map(function (g, i) {
      var opts = { color: "#ffffff", weight: 0.7, fillOpacity: 0.85, className: "mapgen-district" };
      if (renderer) opts.renderer = renderer;
      var layer = L.polygon(decode(g, data), opts);
      layer.mapgenIndex = i;
      layer.bindTooltip(function () {
        return el("span", null, data.districts.name[i] + " \u2014 " +
          statuses[statusOf(data, self.frame().d[i])].label);
      }, { sticky: true });
      layer.bindPopup(function () { return districtPopup(data, self.frame(), i); }, { maxWidth: 340, autoPanPaddingTopLeft: [20, 130] });
      layer.addTo(groups.districts);
      layer.getElement && layer.getElement() && layer.getElement().setAttribute("data-pcode", data.districts.code[i]);
      return layer;
    });

    // each permanent label measures itself as it is added (a forced layout): past a few
    // hundred provinces that grows with the square of their number, and the names could not
    // be read at a whole-theatre zoom anyway (arcs.js LABELS_UP_TO)
    var labelled = data.provinces.geom.length <= global.mapgenArcs.LABELS_UP_TO;
    data.provinces.geom.forEach(function (g, p) {
      L.polygon(decode(g, data), {
        color: "#333333", weight: 1.6, fill: false, interactive: false, className: "mapgen-province"
      }).addTo(groups.provinces);
      if (!labelled) return;
      var label = el("span", null, data.provinces.name[p]);
      L.tooltip({ permanent: true, direction: "center", className: "mapgen-label", interactive: false })
        .setLatLng(data.provinces.label[p]).setContent(label).addTo(groups.provinces);
    });

    // the country outline, assembled from the same arcs as the districts
    if (data.country && data.country.length) {
      L.polygon(decode(data.country, data), {
        color: "#333333", weight: 2.2, fill: false, interactive: false, className: "mapgen-country"
      }).addTo(groups.provinces);
    }

    // sites sharing a coordinate are fanned out in a small circle so that none hides another
    var seen = {};
    this.siteMarkers = data.sites.id.map(function (id, j) {
      var key = data.sites.lat[j] + "," + data.sites.lon[j];
      var k = seen[key] = (seen[key] === undefined ? 0 : seen[key] + 1);
      return { j: j, k: k, key: key };
    }).map(function (m) {
      var total = data.sites.id.filter(function (_, q) {
        return data.sites.lat[q] + "," + data.sites.lon[q] === m.key;
      }).length;
      var dx = 0, dy = 0;
      if (total > 1) {
        var angle = 2 * Math.PI * m.k / total, radius = 10 + 3 * total;
        dx = Math.round(radius * Math.cos(angle)); dy = Math.round(radius * Math.sin(angle));
      }
      // an icon from the start: Leaflet's default image icon would be fetched from disk
      var marker = L.marker([data.sites.lat[m.j], data.sites.lon[m.j]], {
        keyboard: true, icon: L.divIcon({ className: "mapgen-site", html: "" })
      });
      marker.mapgenOffset = [dx, dy];
      marker.bindPopup(function () { return sitePopup(data, self.frame(), m.j); }, { maxWidth: 320, autoPanPaddingTopLeft: [20, 130] });
      marker.bindTooltip(function () { return el("span", null, data.sites.name[m.j]); },
                         { direction: "top", offset: [dx, dy - 12] });
      marker.addTo(groups.sites);
      return marker;
    });
    this.positionMarkers = [];

    this.changeLayers = [];
    if (groups.changes && data.changes) this.drawChanges();

    if (this.options.legend !== false) this.buildLegend();
    this.buildTitle();
    this.buildSources();
    map.attributionControl.setPrefix(false);
    data.legend.credits.forEach(function (c) { map.attributionControl.addAttribution(c.replace(/[<>&]/g, "")); });
    map.attributionControl.addAttribution("Records: " + Object.keys(data.sources).length + " cited sources");
    global.mapgen.views.push(this);
    this.show(this.options.frame || 0);
  }

  View.prototype.drawChanges = function () {
    // outline every district and mark every site whose status differs between the dates
    var data = this.data, self = this, scale = data.scale;
    data.changes.forEach(function (c) {
      var i = data.districts.code.indexOf(c.place), layer;
      if (c.level === "district" && i >= 0) {
        layer = L.polygon(decode(data.districts.geom[i], data), {
          color: "#000000", weight: 3, dashArray: "6 4", fill: false, className: "mapgen-change"
        });
      } else if (c.level === "site") {
        var j = data.sites.id.indexOf(c.place);
        if (j < 0) return;
        layer = L.circleMarker([data.sites.lat[j], data.sites.lon[j]], {
          radius: 17, color: "#000000", weight: 2, dashArray: "4 3", fill: false, className: "mapgen-change"
        });
      } else { return; }
      layer.bindTooltip(function () {
        return el("span", null, c.name + ": " + data.legend.statuses[c.before].label + " \u2192 " +
                  data.legend.statuses[c.after].label + (c.changed_on ? " (" + c.changed_on + ")" : ""));
      }, { sticky: true });
      layer.addTo(self.groups.changes);
      self.changeLayers.push(layer);
    });
  };

  View.prototype.fit = function (bounds) {
    // keep the region clear of the legend where the screen is wide enough to afford it
    var left = 10, box = this.legendBox;
    if (box && this.map.getSize().x > 900) left = box.offsetWidth + 20;
    this.map.fitBounds(bounds, { paddingTopLeft: [left, 10], paddingBottomRight: [10, 10] });
  };

  View.prototype.frame = function () { return this.state.frames[this.current]; };

  View.prototype.show = function (n) {
    var self = this, data = this.data, f = this.state.frames[n];
    var statuses = data.legend.statuses;
    this.current = n;
    this.districtLayers.forEach(function (layer, i) {
      var st = statusOf(data, f.d[i]);
      var low = f.d[i] >= 0 && data.records.confidence[f.d[i]] === "low";
      layer.setStyle({ fillColor: self.canvas ? statuses[st].colour : fillFor(statuses, st), fillOpacity: low ? 0.45 : 0.85 });
      var elem = layer.getElement && layer.getElement();
      if (elem) {
        elem.setAttribute("data-pcode", data.districts.code[i]);
        elem.setAttribute("data-status", statuses[st].id);
        elem.setAttribute("data-confidence", f.d[i] >= 0 ? data.records.confidence[f.d[i]] : "");
      }
    });
    var kinds = {};
    data.legend.kinds.forEach(function (k) { kinds[k.id] = k.symbol; });
    this.siteMarkers.forEach(function (marker, j) {
      var st = statusOf(data, f.s[j]);
      var off = marker.mapgenOffset;
      marker.setIcon(L.divIcon({
        className: "mapgen-site mapgen-site-" + statuses[st].id,
        html: symbolSvg(kinds[data.sites.kind[j]] || "?", statuses[st].colour, data.sites.precision[j] !== "exact"),
        iconSize: [24, 24], iconAnchor: [12 - off[0], 12 - off[1]], popupAnchor: [off[0], off[1] - 10]
      }));
    });
    this.groups.positions.clearLayers();
    this.positionMarkers = [];
    f.p.forEach(function (j) {
      var off = self.siteMarkers[j].mapgenOffset;
      var ring = L.marker([data.sites.lat[j], data.sites.lon[j]], {
        icon: L.divIcon({
          className: "mapgen-position",
          html: '<svg xmlns="' + SVGNS + '" width="40" height="40" viewBox="0 0 40 40"><circle cx="20" cy="20" r="16" fill="none" stroke="' +
            data.legend.position.colour + '" stroke-width="4"/></svg>',
          iconSize: [40, 40], iconAnchor: [20 - off[0], 20 - off[1]]
        }),
        interactive: true, keyboard: false
      });
      ring.bindTooltip(function () { return el("span", null, data.legend.position.tooltip + ": " + data.sites.name[j]); },
                       { direction: "top", offset: [off[0], off[1] - 18] });
      ring.bindPopup(function () { return sitePopup(data, self.frame(), j); }, { maxWidth: 320, autoPanPaddingTopLeft: [20, 130] });
      ring.addTo(self.groups.positions);
      self.positionMarkers.push(ring);
    });
    this.updateCounts();
    if (this.titleDate) this.titleDate.textContent = f.label;
    if (this.options.onShow) this.options.onShow(n, f);
  };

  View.prototype.counts = function (n) {
    var data = this.data, f = this.state.frames[n === undefined ? this.current : n];
    var known = data.legend.population;  // no figures at all: people are "n/a", never 0
    var out = data.legend.statuses.map(function () { return { districts: 0, pop: known ? 0 : null, area: 0 }; });
    f.d.forEach(function (ref, i) {
      var c = out[statusOf(data, ref)];
      c.districts += 1; c.area += data.districts.area[i] || 0;
      if (known) c.pop += data.districts.pop[i] || 0;
    });
    return out;
  };

  View.prototype.updateCounts = function () {
    var c = this.counts();
    (this.countCells || []).forEach(function (cell, i) {
      cell.textContent = c[i].districts + " \u00b7 " + fmtInt(c[i].pop) + " \u00b7 " +
        fmtInt(Math.round(c[i].area)) + " km\u00b2";
    });
  };

  View.prototype.buildLegend = function () {
    var data = this.data, self = this;
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = self.legendBox = el("div", "mapgen-legend mapgen-box");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        box.appendChild(el("div", "mapgen-h", "District status \u00b7 districts \u00b7 people \u00b7 area"));
        var t = el("table");
        self.countCells = [];
        data.legend.statuses.forEach(function (s, i) {
          var tr = el("tr");
          var td = el("td"); td.appendChild(el("i", "mapgen-swatch mapgen-s" + i)); tr.appendChild(td);
          tr.appendChild(el("td", null, s.label));
          var count = el("td", "mapgen-count"); tr.appendChild(count); self.countCells.push(count);
          t.appendChild(tr);
        });
        box.appendChild(t);
        box.appendChild(el("div", "mapgen-note", "Paler fill: the record in force is low-confidence (one side's claim, or unconfirmed)."));
        if (!data.sites.id.length) return box;
        var more = el("details", "mapgen-legend-sites");
        // open unless space is short (a comparison, a phone)
        if (self.options.compact !== true && window.innerWidth >= 600) more.setAttribute("open", "");
        more.appendChild(el("summary", "mapgen-h", "Sites (disc colour = status)"));
        box.appendChild(more);
        box = more;
        var used = {};
        data.sites.kind.forEach(function (k) { used[k] = true; });
        var grid = el("div", "mapgen-kinds");
        function item(svg, text) {
          var it = el("div", "mapgen-kind");
          var icon = el("span", "mapgen-icon"); icon.innerHTML = svg;
          it.appendChild(icon); it.appendChild(el("span", null, text)); grid.appendChild(it);
        }
        data.legend.kinds.forEach(function (k) {
          if (used[k.id]) item(symbolSvg(k.symbol, "#ffffff", false), k.label);
        });
        item(symbolSvg("", "#ffffff", true), "approximate position");
        box.appendChild(grid);
        var pos = el("div", "mapgen-kind mapgen-wide");
        var icon = el("span", "mapgen-icon");
        icon.innerHTML = '<svg xmlns="' + SVGNS + '" width="24" height="24" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="' + data.legend.position.colour + '" stroke-width="3"/></svg>';
        pos.appendChild(icon); pos.appendChild(el("span", null, data.legend.position.label));
        box.appendChild(pos);
        return box.parentNode;
      }
    });
    new Legend().addTo(this.map);
  };

  View.prototype.buildTitle = function () {
    var data = this.data, self = this;
    var Title = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "mapgen-title mapgen-box");
        box.appendChild(el("div", "mapgen-title-main", data.title));
        if (self.options.side) box.appendChild(el("div", "mapgen-title-side", self.options.side === "before" ? "Before" : "After"));
        var sub = el("div", "mapgen-title-date");
        self.titleDate = sub;
        box.appendChild(sub);
        box.appendChild(el("div", "mapgen-title-region", data.region));
        return box;
      }
    });
    new Title().addTo(this.map);
  };

  View.prototype.buildSources = function () {
    var data = this.data;
    var Sources = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("details", "mapgen-sources-panel mapgen-box");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var ids = Object.keys(data.sources).sort();
        box.appendChild(el("summary", null, "Sources (" + ids.length + ")"));
        box.appendChild(sourceList(data, ids));
        return box;
      }
    });
    new Sources().addTo(this.map);
  };

  global.mapgen = {
    View: View, views: [], decode: decode, safeUrl: safeUrl, el: el, fmtInt: fmtInt,
    statusOf: statusOf, sourceList: sourceList, statusCell: statusCell
  };
})(window);
