/* mapgen page logic: draws districts, outlines, sites and positions from a data payload.
   Every text that comes from records is put into the page with textContent or as an
   attribute value, never parsed as HTML; only http(s) URLs become links. */
(function (global) {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var PAYLOAD_VERSION = 3;  // mapgen.render.style.PAYLOAD_VERSION

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
    // no record at all: the grey of the last status with dark dots, so that it does not
    // read as a pale colour in grey-scale print
    var dots = document.createElementNS(SVGNS, "pattern");
    dots.setAttribute("id", "mapgen-norecord");
    dots.setAttribute("patternUnits", "userSpaceOnUse");
    dots.setAttribute("width", "6"); dots.setAttribute("height", "6");
    var bg = document.createElementNS(SVGNS, "rect");
    bg.setAttribute("width", "6"); bg.setAttribute("height", "6"); bg.setAttribute("fill", statuses[statuses.length - 1].colour);
    var dot = document.createElementNS(SVGNS, "circle");
    dot.setAttribute("cx", "3"); dot.setAttribute("cy", "3"); dot.setAttribute("r", "1"); dot.setAttribute("fill", "#666");
    dots.appendChild(bg); dots.appendChild(dot); defs.appendChild(dots);
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

  // The records and sources tables arrive by column with each repeated text once: the text
  // columns hold indices into data.strings, records.sources indices into data.lists (each
  // list positions in sources.id, or an id as text). Written out once, as the page loads,
  // so that every reader takes records.note[ref] as text, records.sources[ref] as a list of
  // ids and data.sources[id] as {publisher, title, published, url}
  // (mapgen.render.layers.encode_texts / decode_texts).
  var STRING_COLUMNS = { records: ["since", "held_since", "via", "note", "confidence"],
                         sources: ["publisher", "published"] };

  function expand(data) {
    if (!data.strings) return;  // already expanded (a comparison's two maps share data)
    var strings = data.strings, r = data.records, s = data.sources;
    Object.keys(STRING_COLUMNS).forEach(function (name) {
      STRING_COLUMNS[name].forEach(function (col) {
        data[name][col] = data[name][col].map(function (k) { return strings[k]; });
      });
    });
    var lists = data.lists.map(function (list) {
      return list.map(function (j) { return typeof j === "number" ? s.id[j] : j; });
    });
    r.sources = r.sources.map(function (k) { return lists[k]; });
    var byId = Object.create(null);  // an id such as "__proto__" is a key like any other
    s.id.forEach(function (id, k) {
      byId[id] = { publisher: s.publisher[k], title: s.title[k], published: s.published[k], url: s.url[k] };
    });
    data.sources = byId;
    // names: the districts and provinces tables name their own places
    ["districts", "provinces"].forEach(function (table) {
      data[table].code.forEach(function (code, i) {
        if (!Object.prototype.hasOwnProperty.call(data.names, code)) data.names[code] = data[table].name[i];
      });
    });
    delete data.strings;
    delete data.lists;
  }

  function record(data, ref) {
    // one record of the column-stored table, as an object with the payload's field names
    var r = data.records;
    return { since: r.since[ref], status: r.status[ref], via: r.via[ref], note: r.note[ref],
             sources: r.sources[ref], confidence: r.confidence[ref], held_since: r.held_since[ref] };
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

  function isStale(data, ref, date) {
    // a record with no side (contested) or of low confidence, with no newer report for more
    // than the theatre's stale_after_days (mapgen/evidence.py decides the same in Python)
    var limit = data.legend.stale_after_days;
    if (ref < 0 || !limit) return false;
    var rec = record(data, ref), st = data.legend.statuses[rec.status];
    var weak = (st && st.side === false) || rec.confidence === "low";
    return weak && daysBetween(rec.since, date) > limit;
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
    // a status set by a province- or country-wide record changed hands by that date, not on it
    var by = rec.via !== code ? "by " : "";
    row(table, "Since", by + rec.held_since + (age > 0 ? " (" + age + " days before this date)" : " (this date)"));
    var reported = daysBetween(rec.since, date);
    if (isStale(data, ref, date)) {
      row(table, "Last reported", reported + " days ago: stale (no newer report for more than " +
          data.legend.stale_after_days + " days)", "mapgen-stale-cell");
    }
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

  function svgEl(tag, attrs) {
    var n = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    return n;
  }

  // A lettered disc of radius r (pixels) in a square SVG of side 2 * half; the glyph is put
  // in with textContent, the colour is one of the legend's.
  function symbolSvg(glyph, colour, dashed, r, half, changed) {
    r = r || 10; half = half || 12;
    var svg = svgEl("svg", { width: 2 * half, height: 2 * half, viewBox: "0 0 " + 2 * half + " " + 2 * half });
    if (changed) {
      svg.appendChild(svgEl("circle", { cx: half, cy: half, r: r + 2, fill: "#ffffff", stroke: changed, "stroke-width": 3, "class": "mapgen-change" }));
    } else {
      svg.appendChild(svgEl("circle", { cx: half, cy: half, r: r + 1.5, fill: "#ffffff", "class": "mapgen-halo" }));
    }
    var disc = svgEl("circle", { cx: half, cy: half, r: r, fill: colour, stroke: "#222", "stroke-width": 1.5, "class": "mapgen-disc" });
    if (dashed) disc.setAttribute("stroke-dasharray", "3 2");
    svg.appendChild(disc);
    var text = svgEl("text", { x: half, y: half + r * 0.42, "text-anchor": "middle", "font-size": Math.round(r * 1.2),
                               "font-weight": "bold", "font-family": "sans-serif", fill: "#111" });
    text.textContent = glyph;
    svg.appendChild(text);
    return svg;
  }

  function ringSvg(colour, r, width) {
    var half = r + width;
    var svg = svgEl("svg", { width: 2 * half, height: 2 * half, viewBox: "0 0 " + 2 * half + " " + 2 * half });
    svg.appendChild(svgEl("circle", { cx: half, cy: half, r: r + width / 2, fill: "none", stroke: colour, "stroke-width": width }));
    return svg;
  }

  function View(map, groups, data, options) {
    if (data.version !== PAYLOAD_VERSION) {
      throw new Error("mapgen: page data version " + data.version + ", this code reads " + PAYLOAD_VERSION);
    }
    expand(data);
    this.map = map; this.groups = groups; this.data = data;
    this.options = options || {};
    this.state = new State(data);
    this.current = 0;
    var scale = data.scale;
    var statuses = data.legend.statuses;
    var self = this;
    ensurePattern(map, statuses);
    this.buildTitle();  // first: popups are panned clear of it

    // light basemap of our own: the rest of the country in pale outline
    data.context.forEach(function (g) {
      L.polygon(decode(g, data), {
        color: "#b9b4aa", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1, interactive: false
      }).addTo(groups.basemap);
    });

    // thousands of districts draw and pan faster on one canvas than as SVG paths (arcs.js)
    var renderer = data.districts.code.length >= global.mapgenArcs.CANVAS_FROM ? L.canvas({ padding: 0.5 }) : null;
    this.canvas = !!renderer;
    // the popups' options, read once: each read measures the title, and with a path added
    // before every read that was one page layout per district
    var districtPopupOptions = this.popupOptions(340), sitePopupOptions = this.popupOptions(320);
    this.districtLayers = data.districts.geom.map(function (g, i) {
      var opts = { color: "#ffffff", weight: 0.7, fillOpacity: 0.85, className: "mapgen-district" };
      if (renderer) opts.renderer = renderer;
      var layer = L.polygon(decode(g, data), opts);
      layer.mapgenIndex = i;
      layer.bindTooltip(function () {
        return el("span", null, data.districts.name[i] + " \u2014 " +
          statuses[statusOf(data, self.frame().d[i])].label);
      }, { sticky: true });
      layer.bindPopup(function () { return districtPopup(data, self.frame(), i); }, districtPopupOptions);
      layer.addTo(groups.districts);
      layer.getElement && layer.getElement() && layer.getElement().setAttribute("data-pcode", data.districts.code[i]);
      return layer;
    });

    data.provinces.geom.forEach(function (g, p) {
      L.polygon(decode(g, data), {
        color: "#333333", weight: 1.6, fill: false, interactive: false, className: "mapgen-province"
      }).addTo(groups.provinces);
    });

    // the country outline, assembled from the same arcs as the districts
    if (data.country && data.country.length) {
      L.polygon(decode(data.country, data), {
        color: "#333333", weight: 2.2, fill: false, interactive: false, className: "mapgen-country"
      }).addTo(groups.provinces);
    }

    // each site at its own point; where discs would overlap they are fanned out on screen
    // (layout.js) with a leader line back to the point, recomputed at every zoom
    map.createPane("mapgenLabels").style.zIndex = 450;
    map.createPane("mapgenLeaders").style.zIndex = 590;
    this.leaders = L.layerGroup().addTo(groups.sites);
    this.siteMarkers = data.sites.id.map(function (id, j) {
      var marker = L.marker([data.sites.lat[j], data.sites.lon[j]], {
        keyboard: true, icon: L.divIcon({ className: "mapgen-site", html: "" })
      });
      marker.mapgenOffset = [0, 0];
      marker.bindPopup(function () { return sitePopup(data, self.frame(), j); }, sitePopupOptions);
      marker.bindTooltip(function () {
        // a remaining position says so, in the theatre's words, and by whom it is held
        var f = self.frame(), held = f.p.indexOf(j) >= 0;
        return el("span", null, held ? data.legend.position.tooltip + ": " + data.sites.name[j] + " (" +
                  data.legend.statuses[statusOf(data, f.s[j])].label + ")" : data.sites.name[j]);
      }, { direction: "top", offset: [0, -12] });
      marker.addTo(groups.sites);
      return marker;
    });
    this.positionMarkers = [];

    this.changeLayers = [];
    this.changedSites = {};
    if (groups.changes && data.changes) this.drawChanges();

    if (this.options.legend !== false) this.buildLegend();
    this.buildSources();
    map.attributionControl.setPrefix(false);
    data.legend.credits.forEach(function (c) { map.attributionControl.addAttribution(c.replace(/[<>&]/g, "")); });
    map.attributionControl.addAttribution("Records: " + Object.keys(data.sources).length + " cited sources");
    global.mapgen.views.push(this);
    this.show(this.options.frame || 0);
    // print shows the key in full, and the sources on the following page
    var opened = [];
    global.addEventListener("beforeprint", function () {
      [self.legendBox].forEach(function (d) {
        if (d && !d.open) { d.open = true; opened.push(d); }
      });
    });
    global.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
    this.buildLabels();
    this.layoutLabels();
    // the layer control is added after this view: fold it, then place names clear of it
    setTimeout(function () { self.foldLayers(); self.fitAttribution(); self.layoutLabels(); }, 0);
    map.on("resize", function () { self.fitAttribution(); });
    map.on("zoomend viewreset resize", function () { self.layoutSites(); });
    map.on("moveend", function () { self.layoutLabels(); });
    map.on("overlayadd overlayremove", function () { self.layoutSites(); });
  }

  View.prototype.drawChanges = function () {
    // outline every district and mark every site whose status differs between the dates
    var data = this.data, self = this, scale = data.scale;
    data.changes.forEach(function (c) {
      var i = data.districts.code.indexOf(c.place), layer;
      if (c.level === "district" && i >= 0) {
        layer = L.polygon(decode(data.districts.geom[i], data), {
          color: data.legend.change, weight: 3.5, dashArray: "8 4", fill: false, className: "mapgen-change"
        });
      } else if (c.level === "site") {
        // a changed site's own disc gets the change colour around it (layoutSites)
        var j = data.sites.id.indexOf(c.place);
        if (j >= 0) self.changedSites[j] = true;
        return;
      } else { return; }
      layer.bindTooltip(function () {
        return el("span", null, c.name + ": " + data.legend.statuses[c.before].label + " \u2192 " +
                  data.legend.statuses[c.after].label + (c.changed_on ? " (" + (c.when === "by" ? "by " : "") + c.changed_on + ")" : ""));
      }, { sticky: true });
      layer.addTo(self.groups.changes);
      self.changeLayers.push(layer);
    });
  };

  // Popups no wider than the map leaves room for, scrolling when taller than about half of
  // it, and panned clear of the title box.
  View.prototype.popupOptions = function (width) {
    var size = this.map.getSize(), title = this.titleBox;
    // (Leaflet measures the pan from the tip: 24 px more keeps the box itself clear)
    var top = title ? Math.min(title.offsetTop + title.offsetHeight + 34, size.y / 3) : 20;
    return { maxWidth: Math.max(160, Math.min(width, size.x - 60)), minWidth: Math.min(200, size.x - 80),
             maxHeight: Math.max(160, Math.round(size.y * 0.55)),
             autoPanPaddingTopLeft: [10, top], autoPanPaddingBottomRight: [10, 10] };
  };

  // On a small map the layer list folds into its button; one tap opens it after the tap has
  // ended (so the same tap never also ticks a box), a tap on the map folds it again.
  View.prototype.foldLayers = function () {
    var map = this.map, c = map.getContainer().querySelector(".leaflet-control-layers");
    if (!c || map.getSize().x >= 600 || !c.classList.contains("leaflet-control-layers-expanded")) return;
    c.classList.remove("leaflet-control-layers-expanded");
    var link = c.querySelector(".leaflet-control-layers-toggle");
    if (!link) return;
    link.setAttribute("aria-label", "Layers");
    L.DomEvent.on(link, "click", function (e) {
      L.DomEvent.stop(e);
      setTimeout(function () { c.classList.add("leaflet-control-layers-expanded"); }, 0);
    });
    map.on("click", function () { c.classList.remove("leaflet-control-layers-expanded"); });
  };

  // The credits wrap beside the scale bar instead of running over it.
  View.prototype.fitAttribution = function () {
    var c = this.map.getContainer(), a = c.querySelector(".leaflet-control-attribution");
    var sc = c.querySelector(".leaflet-control-scale");
    if (!a) return;
    var room = this.map.getSize().x - (sc ? sc.offsetWidth + 30 : 20);
    a.style.maxWidth = Math.max(120, room) + "px";
    a.style.whiteSpace = "normal";
  };

  View.prototype.fit = function (bounds) {
    // keep the region clear of the legend where the screen is wide enough to afford it
    // and below the title, with room at the edges for fanned-out site discs
    this.bounds = bounds;
    var edge = Math.round(2.5 * this.siteSize().r), left = edge, box = this.legendBox;
    var size = this.map.getSize(), top = edge;
    if (box && size.x > 900) left = box.offsetWidth + 20;
    var title = this.titleBox;
    if (title && title.offsetTop + title.offsetHeight < size.y / 3) top = Math.max(top, title.offsetTop + title.offsetHeight + 4);
    // and above the panels at the foot of the map where they leave room
    var bottom = edge, feet = this.map.getContainer().querySelectorAll(".leaflet-bottom");
    for (var k = 0; k < feet.length; k++) {
      var hgt = feet[k].offsetHeight;
      if (hgt < size.y / 4) bottom = Math.max(bottom, hgt + 4);
    }
    this.map.fitBounds(bounds, { paddingTopLeft: [left, top], paddingBottomRight: [edge, bottom], animate: false });
  };

  View.prototype.frame = function () { return this.state.frames[this.current]; };

  View.prototype.show = function (n) {
    var self = this, data = this.data, f = this.state.frames[n];
    var statuses = data.legend.statuses;
    this.current = n;
    this.districtLayers.forEach(function (layer, i) {
      var st = statusOf(data, f.d[i]);
      var low = f.d[i] >= 0 && data.records.confidence[f.d[i]] === "low";
      var stale = isStale(data, f.d[i], f.date);
      layer.setStyle({ fillColor: self.canvas ? statuses[st].colour : f.d[i] < 0 ? "url(#mapgen-norecord)" : fillFor(statuses, st),
                       fillOpacity: stale ? 0.3 : low ? 0.45 : 0.85, dashArray: stale ? "2 4" : null });
      var elem = layer.getElement && layer.getElement();
      if (elem) {
        elem.setAttribute("data-pcode", data.districts.code[i]);
        elem.setAttribute("data-status", statuses[st].id);
        elem.setAttribute("data-stale", stale ? "1" : "0");
        elem.setAttribute("data-confidence", f.d[i] >= 0 ? data.records.confidence[f.d[i]] : "");
      }
    });
    this.layoutSites();
    this.updateCounts();
    this.updateSources();
    if (this.titleDate) this.titleDate.textContent = f.label;
    if (!this.options.side) document.title = data.title + " \u2014 " + f.label;
    if (this.options.onShow) this.options.onShow(n, f);
  };

  View.prototype.siteSize = function () {
    // disc radius and ring width in pixels: smaller on a phone-sized map
    var size = this.map.getSize(), least = Math.min(size.x, size.y);
    if (least < 360) return { r: 6, ring: 2.5 };
    if (size.x < 600 || least < 520) return { r: 8, ring: 3 };
    return { r: 10, ring: 4 };
  };

  // Discs fanned out where they would overlap (layout.js), each with a leader line back to
  // its own point; a remaining position's ring drawn around its own disc, under every disc.
  View.prototype.layoutSites = function () {
    var self = this, data = this.data, map = this.map, f = this.frame();
    var statuses = data.legend.statuses, size = this.siteSize(), r = size.r;
    var ringed = {};
    f.p.forEach(function (j) { ringed[j] = true; });
    var kinds = {};
    data.legend.kinds.forEach(function (k) { kinds[k.id] = k.symbol; });
    var pts = this.siteMarkers.map(function (m) { return map.latLngToLayerPoint(m.getLatLng()); });
    var changed = this.groups.changes && this.map.hasLayer(this.groups.changes) ? this.changedSites : {};
    var extra = function (j) { return changed[j] ? 2 : 0; };
    var radii = this.siteMarkers.map(function (m, j) { return r + 1.5 + extra(j) + (ringed[j] ? size.ring + 1 : 0); });
    var pos = global.mapgenLayout.spread(pts.map(function (p) { return [p.x, p.y]; }), radii, 3);
    var sitesOn = map.hasLayer(this.groups.sites), ringsOn = map.hasLayer(this.groups.positions);
    this.leaders.clearLayers();
    this.groups.positions.clearLayers();
    this.positionMarkers = [];
    this.discs = [];
    var dots = {};
    this.siteMarkers.forEach(function (marker, j) {
      var st = statusOf(data, f.s[j]);
      var off = [pos[j][0] - pts[j].x, pos[j][1] - pts[j].y];
      marker.mapgenOffset = off;
      var half = r + 3 + extra(j);
      marker.setIcon(L.divIcon({
        className: "mapgen-site mapgen-site-" + statuses[st].id,
        html: symbolSvg(kinds[data.sites.kind[j]] || "?", statuses[st].colour, data.sites.precision[j] !== "exact", r, half,
                        changed[j] ? data.legend.change : null),
        iconSize: [2 * half, 2 * half], iconAnchor: [half - off[0], half - off[1]],
        popupAnchor: [off[0], off[1] - r]
      }));
      var name = data.sites.name[j] + " \u2014 " + statuses[st].label +
        (ringed[j] ? " (" + data.legend.position.label + ")" : "");
      var elem = marker.getElement();
      if (elem) {
        elem.setAttribute("aria-label", name);
        elem.setAttribute("data-site", data.sites.id[j]);
      }
      var tip = marker.getTooltip();
      if (tip) tip.options.offset = [off[0], off[1] - r - 2];
      self.discs.push([pos[j][0], pos[j][1], radii[j]]);
      // (during an overlay's "remove" event the group still has its map: ask the map)
      if (sitesOn && Math.abs(off[0]) + Math.abs(off[1]) > 1) {
        L.polyline([marker.getLatLng(), map.layerPointToLatLng(L.point(pos[j][0], pos[j][1]))], {
          color: "#333333", weight: 1.2, interactive: false, pane: "mapgenLeaders", className: "mapgen-leader"
        }).addTo(self.leaders);
        var key = Math.round(pts[j].x) + "," + Math.round(pts[j].y);
        if (!dots[key]) {
          dots[key] = true;
          L.circleMarker(marker.getLatLng(), {
            radius: 2.5, color: "#ffffff", weight: 1, fillColor: "#222222", fillOpacity: 1,
            interactive: false, pane: "mapgenLeaders", className: "mapgen-anchor"
          }).addTo(self.leaders);
        }
      }
      if (ringed[j] && ringsOn) {
        var rr = r + 2.5 + extra(j), half2 = rr + size.ring;
        var ring = L.marker(marker.getLatLng(), {
          icon: L.divIcon({
            className: "mapgen-position", html: ringSvg(data.legend.position.colour, rr, size.ring),
            iconSize: [2 * half2, 2 * half2], iconAnchor: [half2 - off[0], half2 - off[1]]
          }),
          interactive: false, keyboard: false, zIndexOffset: -100000
        });
        ring.addTo(self.groups.positions);
        if (ring.getElement()) ring.getElement().setAttribute("data-site", data.sites.id[j]);
        self.positionMarkers.push(ring);
      }
    });
    this.layoutLabels();
  };

  // Boxes (layer pixels) the map's own panels take: names are kept out from under them.
  View.prototype.controlBoxes = function () {
    var map = this.map, box = map.getContainer().getBoundingClientRect(), out = [];
    var nodes = map.getContainer().querySelectorAll(".leaflet-control");
    for (var i = 0; i < nodes.length; i++) {
      var b = nodes[i].getBoundingClientRect();
      if (!b.width || !b.height) continue;
      var p0 = map.containerPointToLayerPoint([b.left - box.left - 2, b.top - box.top - 2]);
      var p1 = map.containerPointToLayerPoint([b.right - box.left + 2, b.bottom - box.top + 2]);
      out.push([p0.x, p0.y, p1.x, p1.y]);
    }
    return out;
  };

  // Names of capitals (beside their discs), provinces (well inside them) and districts (from
  // the zoom where they fit inside the district), in that order, none over another or over
  // a disc or panel; a name with no free place is left out at this zoom.
  View.prototype.layoutLabels = function () {
    if (!this.labelMarkers) return;
    var map = this.map, self = this, data = this.data;
    var size = map.getSize(), origin = map.containerPointToLayerPoint([0, 0]);
    var view = [origin.x + 2, origin.y + 2, origin.x + size.x - 2, origin.y + size.y - 2];
    var sitesOn = map.hasLayer(this.groups.sites);
    var discs = sitesOn ? this.discs : [];
    var ppd = map.latLngToLayerPoint([0, 1]).x - map.latLngToLayerPoint([0, 0]).x;  // px per degree
    var provincesOn = map.hasLayer(this.groups.provinces);
    var items = this.labelMarkers.filter(function (lab) {
      if (lab.kind === "province") return provincesOn;
      if (lab.kind === "district") {
        // the name fits in the district's inscribed circle (a little over its diameter)
        return lab.w <= 2.6 * lab.radius * ppd && lab.h <= 2 * lab.radius * ppd;
      }
      return true;
    });
    items.forEach(function (lab) {
      var p = map.latLngToLayerPoint(lab.latlng), c = [];
      if (lab.kind === "capital") {
        // beside the cluster of discs drawn for the capital's point, else beside the point
        var x0 = p.x, x1 = p.x, y0 = p.y, y1 = p.y;
        if (sitesOn) {
          self.siteMarkers.forEach(function (m, j) {
            var q = map.latLngToLayerPoint(m.getLatLng());
            if (Math.abs(q.x - p.x) > 0.5 || Math.abs(q.y - p.y) > 0.5) return;
            var d = self.discs[j];
            x0 = Math.min(x0, d[0] - d[2]); x1 = Math.max(x1, d[0] + d[2]);
            y0 = Math.min(y0, d[1] - d[2]); y1 = Math.max(y1, d[1] + d[2]);
          });
        }
        var cy = (y0 + y1) / 2, cx = (x0 + x1) / 2, g = 3;
        c = [[x1 + g + lab.w / 2, cy], [x0 - g - lab.w / 2, cy], [cx, y0 - g - lab.h / 2],
             [cx, y1 + g + lab.h / 2], [x1 + g + lab.w / 2, y0 - lab.h / 2], [x1 + g + lab.w / 2, y1 + lab.h / 2],
             [x0 - g - lab.w / 2, y0 - lab.h / 2], [x0 - g - lab.w / 2, y1 + lab.h / 2]];
      } else {
        c = [[p.x, p.y], [p.x, p.y - lab.h], [p.x, p.y + lab.h]];
      }
      lab.cands = c;
    });
    var chosen = global.mapgenLayout.placeLabels(items.map(function (lab) {
      return { w: lab.w, h: lab.h, candidates: lab.cands };
    }), discs, this.controlBoxes(), view);
    this.labelMarkers.forEach(function (lab) { lab.shown = false; });
    items.forEach(function (lab, i) {
      if (!chosen[i]) return;
      lab.shown = true;
      lab.marker.setLatLng(map.layerPointToLatLng(L.point(chosen[i][0], chosen[i][1])));
    });
    this.labelMarkers.forEach(function (lab) {
      var e = lab.marker.getElement();
      if (e) e.style.visibility = lab.shown ? "visible" : "hidden";
    });
  };

  var MAX_PROVINCE_NAMES = 400, MAX_DISTRICT_NAMES = 1500;

  View.prototype.buildLabels = function () {
    // every name is measured once; layoutLabels decides at each zoom which are shown, where
    var data = this.data, self = this, map = this.map, out = [];
    function add(kind, text, latlng, group, extra) {
      var span = el("span", "mapgen-place mapgen-place-" + kind, text);
      var marker = L.marker(latlng, {
        icon: L.divIcon({ className: "mapgen-place-icon", html: span, iconSize: null }),
        interactive: false, keyboard: false, pane: "mapgenLabels"
      }).addTo(group);
      var lab = { kind: kind, text: text, latlng: L.latLng(latlng), marker: marker, w: 0, h: 0 };
      Object.keys(extra || {}).forEach(function (k) { lab[k] = extra[k]; });
      out.push(lab);
    }
    var labels = this.groups.labels || this.groups.provinces;
    // capitals (a capital column in the sites), west to east
    data.sites.id.map(function (_, j) { return j; }).filter(function (j) { return !!data.sites.capital[j]; })
      .sort(function (a, b) { return data.sites.lon[a] - data.sites.lon[b] || a - b; })
      .forEach(function (j) {
        add("capital", data.sites.name[j], [data.sites.lat[j], data.sites.lon[j]], labels);
      });
    // every name costs a measured element: a theatre of thousands of units names its largest
    // ones only (no screen shows more names than this legibly)
    if (data.provinces.name.length <= MAX_PROVINCE_NAMES) {
      data.provinces.name.forEach(function (name, p) {
        add("province", name, data.provinces.label[p], self.groups.provinces);
      });
    }
    // larger districts first: they are named from a lower zoom
    var order = data.districts.name.map(function (_, i) { return i; });
    order.sort(function (a, b) { return data.districts.label[b][2] - data.districts.label[a][2] || a - b; });
    order.slice(0, MAX_DISTRICT_NAMES).forEach(function (i) {
      var lp = data.districts.label[i];
      add("district", data.districts.name[i], [lp[0], lp[1]], labels, { radius: lp[2] });
    });
    // the countries around, named on the land outside the boundaries (last: any room left)
    (data.neighbours || []).forEach(function (n) {
      add("country", n[0], [n[1], n[2]], self.groups.basemap);
    });
    // measured all at once, then placed: reading a size after each placement made the
    // browser lay the page out again for every name (seconds for a theatre of thousands)
    var elems = out.map(function (lab) { return lab.marker.getElement(); });
    elems.forEach(function (e, k) {
      if (e) { out[k].w = e.offsetWidth; out[k].h = e.offsetHeight; }
    });
    elems.forEach(function (e, k) {
      if (!e) return;
      // centred on its point: Leaflet places the icon's top-left corner there otherwise
      e.style.marginLeft = -out[k].w / 2 + "px"; e.style.marginTop = -out[k].h / 2 + "px";
      e.setAttribute("data-name", out[k].text);
    });
    this.labelMarkers = out;
  };

  // Gains view: districts that changed hands keep the colour of who holds them now, the
  // rest turn neutral; the title says since when.
  View.prototype.showGains = function (on) {
    var data = this.data, f = this.frame(), statuses = data.legend.statuses;
    var changed = {};
    (data.changes || []).forEach(function (c) { if (c.level === "district") changed[c.place] = true; });
    this.gains = !!on;
    this.districtLayers.forEach(function (layer, i) {
      var st = statusOf(data, f.d[i]);
      if (on && !changed[data.districts.code[i]]) {
        layer.setStyle({ fillColor: "#f4f1ea", fillOpacity: 0.9 });
      } else {
        var low = f.d[i] >= 0 && data.records.confidence[f.d[i]] === "low";
        layer.setStyle({ fillColor: fillFor(statuses, st), fillOpacity: on ? 0.95 : (low ? 0.45 : 0.85) });
      }
    });
    if (this.sideBadge) {
      var first = this.state.frames[0].label;
      this.sideBadge.textContent = on ? "Gains since " + first : "After";
    }
    this.layoutLabels();
    var container = this.map.getContainer();
    if (on) container.classList.add("mapgen-gains-on"); else container.classList.remove("mapgen-gains-on");
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
        // a key that folds away where space is short (phones, comparisons, embeds)
        var box = self.legendBox = el("details", "mapgen-legend mapgen-box");
        var size = self.map.getSize();
        if (self.options.compact !== true && size.x >= 900 && size.y >= 560) box.setAttribute("open", "");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        box.appendChild(el("summary", "mapgen-key-summary", "Key"));
        box.appendChild(el("div", "mapgen-h", "District status \u00b7 districts \u00b7 people \u00b7 area"));
        var t = el("table");
        self.countCells = [];
        var last = data.legend.statuses.length - 1;
        data.legend.statuses.forEach(function (s, i) {
          var tr = el("tr");
          var td = el("td", "mapgen-swatches");
          td.appendChild(el("i", "mapgen-swatch mapgen-s" + i + (i === last ? " mapgen-norecord" : "")));
          // the same status from a low-confidence record: paler
          if (i !== last) {
            var pale = el("i", "mapgen-swatch mapgen-pale mapgen-s" + i);
            pale.setAttribute("title", s.label + ", low-confidence record");
            td.appendChild(pale);
          }
          tr.appendChild(td);
          tr.appendChild(el("td", null, s.label));
          var count = el("td", "mapgen-count"); tr.appendChild(count); self.countCells.push(count);
          t.appendChild(tr);
        });
        box.appendChild(t);
        box.appendChild(el("div", "mapgen-note", "Second swatch, paler: the record in force is low-confidence (one side's claim, or unconfirmed). Dotted grey: no record."));
        if (data.legend.stale_after_days) {
          var stl = el("div", "mapgen-kind mapgen-wide mapgen-stale-key");
          var sts = svgEl("svg", { width: 24, height: 14, viewBox: "0 0 24 14" });
          sts.appendChild(svgEl("rect", { x: 1, y: 1, width: 22, height: 12, fill: "#999999", "fill-opacity": 0.3,
                                          stroke: "#333333", "stroke-width": 1.5, "stroke-dasharray": "2 4" }));
          var sti = el("span", "mapgen-icon mapgen-line-icon"); sti.appendChild(sts);
          stl.appendChild(sti);
          stl.appendChild(el("span", null, "Faint, dashed outline: stale — a contested or low-confidence record with no newer report for more than " +
                             data.legend.stale_after_days + " days"));
          box.appendChild(stl);
        }
        if (data.changes) {
          var ch = el("div", "mapgen-kind mapgen-wide");
          var chs = svgEl("svg", { width: 24, height: 12, viewBox: "0 0 24 12" });
          chs.appendChild(svgEl("line", { x1: 1, y1: 6, x2: 23, y2: 6, stroke: data.legend.change, "stroke-width": 3.5, "stroke-dasharray": "8 4" }));
          var chi = el("span", "mapgen-icon mapgen-line-icon"); chi.appendChild(chs);
          ch.appendChild(chi); ch.appendChild(el("span", null, "Changed between the two dates (district outline, ring round a site)"));
          box.appendChild(ch);
        }
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
          var icon = el("span", "mapgen-icon"); icon.appendChild(svg);
          it.appendChild(icon); it.appendChild(el("span", null, text)); grid.appendChild(it);
        }
        data.legend.kinds.forEach(function (k) {
          if (used[k.id]) item(symbolSvg(k.symbol, "#ffffff", false), k.label);
        });
        item(symbolSvg("", "#ffffff", true), "approximate position");
        item(symbolSvg("", data.legend.statuses[last].colour, false), "no record for the site");
        box.appendChild(grid);
        var pos = el("div", "mapgen-kind mapgen-wide");
        var icon = el("span", "mapgen-icon");
        var rsvg = svgEl("svg", { width: 24, height: 24, viewBox: "0 0 24 24" });
        rsvg.appendChild(svgEl("circle", { cx: 12, cy: 12, r: 6, fill: "#ffffff", stroke: "#222", "stroke-width": 1.2 }));
        rsvg.appendChild(svgEl("circle", { cx: 12, cy: 12, r: 9, fill: "none", stroke: data.legend.position.colour, "stroke-width": 3 }));
        icon.appendChild(rsvg);
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
        var box = self.titleBox = el("div", "mapgen-title mapgen-box");
        box.appendChild(el("div", "mapgen-title-main", data.title));
        if (self.options.side) {
          self.sideBadge = el("div", "mapgen-title-side", self.options.side === "before" ? "Before" : "After");
          box.appendChild(self.sideBadge);
        }
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
    var data = this.data, self = this;
    var Sources = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = self.sourcesBox = el("details", "mapgen-sources-panel mapgen-box");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.sourcesSummary = el("summary", null, "Sources");
        box.appendChild(self.sourcesSummary);
        self.sourcesList = el("ul", "mapgen-sources");
        box.appendChild(self.sourcesList);
        return box;
      }
    });
    new Sources().addTo(this.map);
  };

  // The sources behind what is drawn on the date shown: those of every record in force.
  View.prototype.updateSources = function () {
    if (!this.sourcesBox) return;
    var data = this.data, f = this.frame(), seen = {};
    f.d.concat(f.s).forEach(function (ref) {
      if (ref >= 0) data.records.sources[ref].forEach(function (id) { seen[id] = true; });
    });
    var ids = Object.keys(seen).sort(), key = ids.join(" ");
    this.sourcesSummary.textContent = "Sources (" + ids.length + ")" +
      (this.map.getSize().x < 600 ? "" : " for " + f.label);
    this.sourcesSummary.setAttribute("data-count", String(ids.length));
    if (key === this.sourcesKey) return;
    this.sourcesKey = key;
    var list = sourceList(data, ids);
    this.sourcesBox.replaceChild(list, this.sourcesList);
    this.sourcesList = list;
    if (this.options.side) return;  // a comparison prints its sources in the change table
    if (!this.printSources) {
      this.printSources = el("section", "mapgen-print-sources");
      document.body.appendChild(this.printSources);
    }
    this.printSources.textContent = "";
    this.printSources.appendChild(el("h2", null, "Sources for " + f.label + " (" + ids.length + ")"));
    this.printSources.appendChild(sourceList(data, ids));
  };

  global.mapgen = {
    View: View, views: [], decode: decode, safeUrl: safeUrl, el: el, fmtInt: fmtInt,
    statusOf: statusOf, sourceList: sourceList, statusCell: statusCell,
    expand: expand
  };
})(window);
