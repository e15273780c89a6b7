/*
 * The backtest report's page script (inlined into index.html by src/backtest/report/html.ts; it
 * runs in the browser, with Apache ECharts loaded by the script before it).
 * Reads the two JSON blocks (#report-data: the BacktestResult, #chart-view: derived histogram
 * bins), draws the charts on canvas, keeps them sized to their boxes, and makes the per-pair table
 * sortable. No network, no eval, no inline handlers: the page's CSP allows only its own scripts.
 * Money in the data is integer micro-dollars; labels format each integer (no float sums).
 */
/* global echarts, document, window, ResizeObserver */
(function () {
  'use strict';

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }
  var result = readJson('report-data');
  var view = readJson('chart-view');

  // integer micro-dollars -> "-$1,234.57" (same rule as format.ts usd: half away from zero)
  function usd(micros) {
    var m = Math.round(micros);
    var a = Math.abs(m);
    var c = Math.floor(a / 10000);
    if (a - c * 10000 >= 5000) c += 1;
    var dollars = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var cc = String(c % 100);
    return (m < 0 && c > 0 ? '-' : '') + '$' + dollars + '.' + (cc.length < 2 ? '0' + cc : cc);
  }
  // micro-dollars per contract -> "2.34¢"
  function cents(micros) {
    var m = Math.round(micros);
    var a = Math.abs(m);
    var h = Math.floor(a / 100);
    if (a - h * 100 >= 50) h += 1;
    var hh = String(h % 100);
    return (m < 0 && h > 0 ? '-' : '') + Math.floor(h / 100) + '.' + (hh.length < 2 ? '0' + hh : hh) + '¢';
  }
  function utc(ms) {
    return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // series colours (fixed, not the theme's, so the browser test can find the drawn series)
  var BLUE = '#2f5fb3';
  var RED = '#b00020';
  var AMBER = '#d97706';
  // money axes tick at whole cents at least (labels are to the cent: no repeated "$0.00")
  var CENT = 10000;
  // every label carries its date (the axis hides labels that would overlap at phone width)
  var TIME_AXIS = { type: 'time', axisLabel: { hideOverlap: true, formatter: '{MM}-{dd}\n{HH}:{mm}' } };

  var charts = [];
  var GRID = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };

  function mount(id, option, empty) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.on('finished', function () {
      el.setAttribute('data-rendered', 'true');
    });
    var base = { animation: false, useUTC: true, grid: GRID, textStyle: { fontFamily: 'system-ui, sans-serif' } };
    if (empty) base.title = { text: 'no data', left: 'center', top: 'middle', textStyle: { color: '#889', fontSize: 14 } };
    var merged = {};
    var k;
    for (k in base) merged[k] = base[k];
    for (k in option) merged[k] = option[k];
    chart.setOption(merged);
    charts.push(chart);
  }

  var timeTooltip = function (fmt) {
    return {
      trigger: 'axis',
      formatter: function (ps) {
        var p = ps[0];
        return esc(utc(p.value[0])) + '<br>' + esc(fmt(p.value[1]));
      },
    };
  };

  // gaps in the data shaded on the time charts (the table in "Data gaps and skipped input" lists them)
  var gapAreas = result.dataset.gaps.map(function (g) {
    return [{ xAxis: g.from }, { xAxis: g.to }];
  });
  var gapMark = gapAreas.length
    ? { silent: true, itemStyle: { color: 'rgba(176, 0, 32, 0.12)' }, label: { show: false }, data: gapAreas }
    : undefined;

  var eq = result.equity.map(function (p) {
    return [p.t, p.equityMicros];
  });
  mount(
    'chart-equity',
    {
      tooltip: timeTooltip(usd),
      xAxis: TIME_AXIS,
      yAxis: { type: 'value', scale: true, minInterval: CENT, axisLabel: { formatter: usd } },
      dataZoom: [{ type: 'inside' }],
      series: [{ name: 'equity', type: 'line', color: BLUE, step: 'end', showSymbol: false, sampling: 'lttb', lineStyle: { width: 1.5 }, data: eq, markArea: gapMark }],
    },
    eq.length === 0,
  );

  var dd = result.equity.map(function (p) {
    return [p.t, -p.drawdownMicros];
  });
  mount(
    'chart-drawdown',
    {
      tooltip: timeTooltip(usd),
      xAxis: TIME_AXIS,
      // at least 10¢ of range, so a run without drawdown still has a readable axis
      yAxis: { type: 'value', max: 0, min: function (e) { return Math.min(e.min, -10 * CENT); }, minInterval: CENT, axisLabel: { formatter: usd } },
      dataZoom: [{ type: 'inside' }],
      series: [
        { name: 'drawdown', type: 'line', step: 'end', showSymbol: false, sampling: 'lttb', color: RED, areaStyle: { opacity: 0.25 }, lineStyle: { width: 1 }, data: dd, markArea: gapMark },
      ],
    },
    dd.length === 0,
  );

  var bins = view.edgeHistogram.bins;
  mount(
    'chart-edges',
    {
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          var b = bins[ps[0].dataIndex];
          return esc(b.range) + '<br>' + b.count + ' decision' + (b.count === 1 ? '' : 's');
        },
      },
      xAxis: { type: 'category', name: '¢ per contract', nameLocation: 'middle', nameGap: 28, data: bins.map(function (b) { return b.label; }) },
      yAxis: { type: 'value', minInterval: 1, name: 'decisions', nameTextStyle: { align: 'left' } },
      series: [{ name: 'decisions', type: 'bar', color: BLUE, barCategoryGap: '4%', data: bins.map(function (b) { return b.count; }) }],
    },
    bins.length === 0,
  );

  var lat = result.latency;
  mount(
    'chart-latency',
    {
      legend: { top: 0, show: lat.length > 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          var p = lat[ps[0].dataIndex];
          return (
            esc(p.latencyMs + ' ms') + '<br>P&amp;L ' + esc(usd(p.pnlMicros)) + ' (' + p.trades + ' trades)<br>mean slippage ' +
            (p.slippageMeanMicros === null ? 'n/a' : esc(cents(p.slippageMeanMicros)) + ' per contract')
          );
        },
      },
      xAxis: { type: 'value', name: 'latency (ms)', nameLocation: 'middle', nameGap: 28 },
      yAxis: [
        { type: 'value', scale: true, minInterval: CENT, axisLabel: { formatter: usd } },
        { type: 'value', scale: true, minInterval: 100, splitLine: { show: false }, axisLabel: { formatter: cents } },
      ],
      series: [
        {
          name: 'P&L',
          type: 'line',
          color: BLUE,
          symbolSize: 7,
          data: lat.map(function (p) { return [p.latencyMs, p.pnlMicros]; }),
          markLine: { silent: true, symbol: 'none', label: { formatter: 'assumed', position: 'insideEndTop' }, lineStyle: { color: '#667' }, data: [{ xAxis: result.assumptions.latencyMs }] },
        },
        {
          name: 'mean slippage per contract',
          type: 'line',
          color: AMBER,
          yAxisIndex: 1,
          symbol: 'diamond',
          symbolSize: 8,
          data: lat.map(function (p) { return [p.latencyMs, p.slippageMeanMicros === null ? '-' : p.slippageMeanMicros]; }),
        },
      ],
    },
    lat.length === 0,
  );

  // charts follow their boxes (window resize, phone rotation, fonts loading)
  if (typeof ResizeObserver === 'function') {
    var ro = new ResizeObserver(function (entries) {
      entries.forEach(function (e) {
        var c = echarts.getInstanceByDom(e.target);
        if (c) c.resize();
      });
    });
    charts.forEach(function (c) { ro.observe(c.getDom()); });
  } else {
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // sortable tables: a button in each header; cells carry data-v (number) or their text
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var tbody = table.tBodies[0];
    Array.prototype.forEach.call(table.querySelectorAll('thead th'), function (th, col) {
      var btn = th.querySelector('button');
      if (!btn) return;
      btn.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(table.querySelectorAll('thead th'), function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var rows = Array.prototype.slice.call(tbody.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var xv = x.getAttribute('data-v'), yv = y.getAttribute('data-v');
          if (xv !== null && yv !== null) {
            // missing values (n/a) sort last either way
            if (xv === '' || yv === '') return xv === yv ? 0 : xv === '' ? 1 : -1;
            return (Number(xv) - Number(yv)) * (asc ? 1 : -1);
          }
          return x.textContent.localeCompare(y.textContent) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { tbody.appendChild(r); });
      });
    });
  });

  document.documentElement.setAttribute('data-report-ready', 'true');
})();
