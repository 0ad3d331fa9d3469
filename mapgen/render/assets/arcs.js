/* mapgen arcs: the page's geometry is a topology (mapgen/arcs.py). data.arcs holds every
   border once, as integer grid steps (1/data.scale degrees) written as text (one character
   for most steps), each arc's first point relative to the previous arc's last point; a district, province or outline is a list of rings, each
   a list of arc references (~i: arc i reversed). The arcs are decoded once per page into
   L.LatLng points that every polygon using them shares. */
(function (global) {
  "use strict";

  // the 64 characters of mapgen.arcs.ALPHABET, by character code
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var CODE = new Int8Array(128).fill(-1);
  for (var k = 0; k < 64; k++) CODE[ALPHABET.charCodeAt(k)] = k;

  function steps(text) {
    // zig-zag values, 5 bits a character, low bits first, bit 6 = more to come
    var out = [], value = 0, shift = 0;
    for (var i = 0; i < text.length; i++) {
      var c = CODE[text.charCodeAt(i)];
      value += (c & 31) * Math.pow(2, shift);
      shift += 5;
      if (!(c & 32)) {
        out.push(value % 2 ? -(value + 1) / 2 : value / 2);
        value = 0; shift = 0;
      }
    }
    return out;
  }

  function points(data) {
    if (data.__arcPoints) return data.__arcPoints;
    var scale = data.scale, x = 0, y = 0;
    var out = data.arcs.map(function (text) {
      var a = steps(text), pts = new Array(a.length / 2);
      for (var i = 0; i < a.length; i += 2) {
        x += a[i]; y += a[i + 1];
        pts[i / 2] = L.latLng(y / scale, x / scale);
      }
      return pts;
    });
    Object.defineProperty(data, "__arcPoints", { value: out, enumerable: false });
    return out;
  }

  function ring(arcs, refs) {
    var out = [], i, a;
    refs.forEach(function (r) {
      if (r >= 0) {
        a = arcs[r];
        for (i = 0; i < a.length - 1; i++) out.push(a[i]);
      } else {
        a = arcs[~r];
        for (i = a.length - 1; i > 0; i--) out.push(a[i]);
      }
    });
    return out;
  }

  // rings of one object, as Leaflet latlngs: a polygon whose rings fill even-odd, which
  // draws a multipolygon with holes correctly (SVG and canvas both fill even-odd)
  function rings(geom, data) {
    var arcs = points(data);
    return geom.map(function (refs) { return ring(arcs, refs); });
  }

  // more shapes than SVG draws and pans smoothly: a canvas renderer draws them instead
  // (benchmarks/RESULTS.md, section 7; a page may set MAPGEN_CANVAS_FROM before loading)
  var CANVAS_FROM = typeof global.MAPGEN_CANVAS_FROM === "number" ? global.MAPGEN_CANVAS_FROM : 6000;

  // province names are drawn for up to this many provinces (benchmarks/RESULTS.md, section 8)
  var LABELS_UP_TO = 400;

  global.mapgenArcs = {
    points: points, rings: rings, steps: steps,
    CANVAS_FROM: CANVAS_FROM, LABELS_UP_TO: LABELS_UP_TO
  };
})(window);
