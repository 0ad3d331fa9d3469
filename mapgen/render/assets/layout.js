/* mapgen layout: where site discs and place names go on screen, recomputed for each zoom.
   Pure geometry in pixels; no DOM and no text from records is parsed here. */
(function (global) {
  "use strict";

  // Centres near the points xy ([[x, y], ...], pixels) where discs of the given radii do not
  // overlap (gap pixels apart at least). Sites sharing a point start as a fan around it;
  // overlapping pairs are then pushed apart while each disc is pulled back to its own
  // point, and the last steps only push, so what is returned is free of overlaps wherever
  // the iteration could separate them. Deterministic: the same input gives the same output.
  function spread(xy, radii, gap) {
    var n = xy.length, i, j, k, pos = [], keys = [], total = {}, seen = {};
    for (i = 0; i < n; i++) {
      keys.push(Math.round(xy[i][0]) + "," + Math.round(xy[i][1]));
      total[keys[i]] = (total[keys[i]] || 0) + 1;
    }
    for (i = 0; i < n; i++) {
      var t = total[keys[i]], s = seen[keys[i]] = (seen[keys[i]] === undefined ? 0 : seen[keys[i]] + 1);
      var p = [xy[i][0], xy[i][1]];
      if (t > 1) {
        // a ring whose circumference holds every disc of the point
        var ring = Math.max(radii[i] * 1.2, (t * 2 * radii[i] + t * gap) / (2 * Math.PI));
        var a = -Math.PI / 2 + 2 * Math.PI * s / t;
        p[0] += ring * Math.cos(a); p[1] += ring * Math.sin(a);
      }
      pos.push(p);
    }
    var steps = 400;
    for (k = 0; k < steps; k++) {
      if (k < steps - 150) {
        for (i = 0; i < n; i++) {
          pos[i][0] += 0.06 * (xy[i][0] - pos[i][0]);
          pos[i][1] += 0.06 * (xy[i][1] - pos[i][1]);
        }
      }
      var moved = false;
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          var dx = pos[j][0] - pos[i][0], dy = pos[j][1] - pos[i][1];
          var d = Math.sqrt(dx * dx + dy * dy), need = radii[i] + radii[j] + gap;
          if (d >= need) continue;
          if (d < 1e-6) { dx = Math.cos(i + j); dy = Math.sin(i + j); d = 1; }
          var push = (need - d) / 2 / d;
          pos[i][0] -= dx * push; pos[i][1] -= dy * push;
          pos[j][0] += dx * push; pos[j][1] += dy * push;
          moved = true;
        }
      }
      if (!moved && k >= steps - 150) break;
    }
    return pos;
  }

  function overlaps(a, b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  function discBox(c, r) { return [c[0] - r, c[1] - r, c[0] + r, c[1] + r]; }

  function hitsDisc(box, disc) {
    // box [x0, y0, x1, y1] against a disc [x, y, r]
    var cx = Math.max(box[0], Math.min(disc[0], box[2]));
    var cy = Math.max(box[1], Math.min(disc[1], box[3]));
    var dx = disc[0] - cx, dy = disc[1] - cy;
    return dx * dx + dy * dy < disc[2] * disc[2];
  }

  // Greedy placement: each label (in priority order) takes the first of its candidate
  // centres where its box stays inside the view and touches no disc, no reserved box and no
  // label placed before it; a label with no such candidate is left out.
  // labels: [{w, h, candidates: [[x, y], ...]}]; returns the chosen centre or null for each.
  function placeLabels(labels, discs, reserved, view) {
    var placed = reserved.slice();
    return labels.map(function (lab) {
      for (var c = 0; c < lab.candidates.length; c++) {
        var p = lab.candidates[c];
        var box = [p[0] - lab.w / 2, p[1] - lab.h / 2, p[0] + lab.w / 2, p[1] + lab.h / 2];
        if (box[0] < view[0] || box[1] < view[1] || box[2] > view[2] || box[3] > view[3]) continue;
        var clear = true, i;
        for (i = 0; clear && i < discs.length; i++) if (hitsDisc(box, discs[i])) clear = false;
        for (i = 0; clear && i < placed.length; i++) if (overlaps(box, placed[i])) clear = false;
        if (clear) { placed.push(box); return p; }
      }
      return null;
    });
  }

  global.mapgenLayout = { spread: spread, placeLabels: placeLabels, overlaps: overlaps,
                          discBox: discBox, hitsDisc: hitsDisc };
})(window);
