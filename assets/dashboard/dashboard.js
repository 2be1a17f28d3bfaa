// Draws the charts a server-rendered page declares: every element with data-chart="<kind>" reads its data
// from the <script type="application/json"> named by data-source. Plain browser JavaScript, no build step;
// uPlot (served from node_modules) is loaded before this file.
(function () {
  'use strict';
  var PALETTE = ['#2f6fb0', '#e08a1e', '#3a9d5d', '#c23b3b', '#7b5ea7', '#8c6d31', '#d16ba5', '#5b8e9c', '#9b9b2f', '#444444', '#e377c2', '#17becf'];

  function readData(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function width(el) {
    return Math.max(320, Math.min(el.clientWidth || 800, 1100));
  }

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function fmtCount(v) {
    return v == null ? '–' : Math.round(v).toLocaleString('en-US');
  }

  // Stacked bars: series are drawn as cumulative sums, top of the stack first, so each bar shows its parts.
  function stacked(el, d) {
    var n = d.series.length;
    var cum = [];
    var run = d.x.map(function () { return 0; });
    for (var i = 0; i < n; i++) {
      run = run.map(function (v, j) { return v + d.series[i].values[j]; });
      cum.push(run.slice());
    }
    var data = [d.x];
    var series = [{}];
    for (var k = n - 1; k >= 0; k--) {
      data.push(cum[k]);
      (function (k) {
        var color = PALETTE[k % PALETTE.length];
        series.push({
          label: d.series[k].label,
          stroke: color,
          fill: color,
          width: 0,
          paths: uPlot.paths.bars({ size: [0.8, 60] }),
          points: { show: false },
          value: function (u, v, si, idx) { return idx == null ? '–' : fmtCount(d.series[k].values[idx]); },
        });
      })(k);
    }
    return new uPlot({
      width: width(el),
      height: 300,
      series: series,
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.05 : 1]; } } },
      axes: [{}, { label: 'rows', size: 70 }],
      legend: { live: true },
      cursor: { points: { show: false } },
    }, data, el);
  }

  // Histograms over shared bins, translucent so overlapping distributions stay readable; dashed marks.
  function histogram(el, d) {
    var data = [d.x].concat(d.series.map(function (s) { return s.values; }));
    var series = [{ label: 'bin', value: function (u, v) { return v == null ? '–' : v.toFixed(4); } }].concat(
      d.series.map(function (s, i) {
        var color = PALETTE[i % PALETTE.length];
        return {
          label: s.label,
          stroke: color,
          fill: alpha(color, 0.35),
          width: 1,
          paths: uPlot.paths.bars({ size: [1, 100], align: 0 }),
          points: { show: false },
          value: function (u, v) { return fmtCount(v); },
        };
      }),
    );
    var marks = d.marks || [];
    var lo = d.x[0] - (d.x[1] - d.x[0]) / 2;
    var hi = d.x[d.x.length - 1] + (d.x[1] - d.x[0]) / 2;
    marks.forEach(function (m) { lo = Math.min(lo, m.x); hi = Math.max(hi, m.x); });
    return new uPlot({
      width: width(el),
      height: 240,
      series: series,
      scales: { x: { time: false, range: [lo - (hi - lo) * 0.02, hi + (hi - lo) * 0.02] }, y: { range: function (u, a, b) { return [0, b > 0 ? b * 1.1 : 1]; } } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return v.toFixed(3); }); } }, { label: 'replicates', size: 60 }],
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          marks.forEach(function (m, i) {
            var x = u.valToPos(m.x, 'x', true);
            ctx.strokeStyle = d.series.length === 1 ? '#333' : PALETTE[i % PALETTE.length];
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          });
          ctx.restore();
        }],
      },
    }, data, el);
  }

  var KINDS = { stacked: stacked, histogram: histogram };
  var charts = [];

  function drawAll() {
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var kind = KINDS[el.getAttribute('data-chart')];
      if (!kind) return; // drawn by a page's own script
      var d = readData(el.getAttribute('data-source'));
      if (!d || !d.x || d.x.length === 0) {
        el.textContent = 'No data to draw yet.';
        el.setAttribute('data-drawn', '0');
        return;
      }
      charts.push({ el: el, plot: kind(el, d) });
      el.setAttribute('data-drawn', String(d.x.length));
    });
  }

  var resizeTimer;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) { c.plot.setSize({ width: width(c.el), height: c.plot.height }); });
    }, 150);
  });

  window.fraudops = { readData: readData, palette: PALETTE };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
