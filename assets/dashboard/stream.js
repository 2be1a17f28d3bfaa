// The Stream page: draws the throughput history, then follows the scorers live through server-sent events —
// numbers, the lag table, dead letters and a rolling rate chart change in place, without a reload.
(function () {
  'use strict';
  var palette = window.fraudops.palette;
  var readData = window.fraudops.readData;

  function lineChart(el, d, height) {
    var series = [{}].concat(d.series.map(function (s, i) {
      return { label: s.label, stroke: palette[i % palette.length], width: 2, spanGaps: false, value: function (u, v) { return v == null ? '–' : v.toFixed(1); } };
    }));
    var data = [d.x].concat(d.series.map(function (s) { return s.values; }));
    var plot = new uPlot({
      width: Math.max(320, Math.min(el.clientWidth || 800, 1100)),
      height: height,
      series: series,
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.1 : 1]; } } },
      axes: [{}, { label: 'messages/s', size: 70 }],
    }, data, el);
    el.setAttribute('data-drawn', String(d.x.length));
    return plot;
  }

  var history = document.querySelector('[data-chart="lines"]');
  if (history) lineChart(history, readData(history.getAttribute('data-source')), 260);

  var live = document.getElementById('live');
  if (!live || !window.EventSource) return;
  var rateEl = document.querySelector('[data-chart="live-rates"]');
  var rateData = readData('live-rates');
  var ratePlot = rateEl ? lineChart(rateEl, rateData, 220) : null;

  function fmtInt(v) { return Math.round(v).toLocaleString('en-US'); }
  function text(el, s) { if (el.textContent !== s) el.textContent = s; }

  function rows(tbody, items, cells) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    items.forEach(function (it) {
      var tr = document.createElement('tr');
      cells(it).forEach(function (c) { var td = document.createElement('td'); td.textContent = c; tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }

  var updates = 0;
  var source = new EventSource(live.getAttribute('data-live-source'));
  source.addEventListener('snapshot', function (ev) {
    var msg = JSON.parse(ev.data);
    Object.keys(msg.fields).forEach(function (k) {
      document.querySelectorAll('[data-field="' + k + '"]').forEach(function (el) { text(el, msg.fields[k]); });
    });
    var s = msg.snapshot;
    rows(document.getElementById('lag-rows'), s.lag, function (l) { return [l.topic, l.partition, fmtInt(l.lag)]; });
    var dead = document.getElementById('dead-reasons');
    while (dead.firstChild) dead.removeChild(dead.firstChild);
    Object.keys(s.deadLettersByReason).forEach(function (r) {
      var li = document.createElement('li');
      li.textContent = r + ': ' + fmtInt(s.deadLettersByReason[r]);
      dead.appendChild(li);
    });
    var eps = document.getElementById('endpoints');
    while (eps.firstChild) eps.removeChild(eps.firstChild);
    s.endpoints.forEach(function (e) {
      var li = document.createElement('li');
      var code = document.createElement('code');
      code.textContent = e.url;
      var st = document.createElement('span');
      st.className = e.up ? 'good' : 'bad';
      st.textContent = e.up ? 'up' : 'down (' + (e.error || '?') + ')';
      li.appendChild(code);
      li.appendChild(document.createTextNode(': '));
      li.appendChild(st);
      eps.appendChild(li);
    });
    if (ratePlot) {
      rateData.x.push(s.at / 1000);
      rateData.series[0].values.push(s.consumedPerSecond == null ? null : s.consumedPerSecond);
      rateData.series[1].values.push(s.producedPerSecond == null ? null : s.producedPerSecond);
      if (rateData.x.length > 300) { rateData.x.shift(); rateData.series.forEach(function (x) { x.values.shift(); }); }
      ratePlot.setData([rateData.x, rateData.series[0].values, rateData.series[1].values]);
      rateEl.setAttribute('data-drawn', String(rateData.x.length));
    }
    updates++;
    live.setAttribute('data-updates', String(updates));
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();
