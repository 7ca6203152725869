// Draw the charts whose Plotly figures a page carries as JSON data blocks:
// <script type="application/json" data-chart="ID"> holds the figure for the element with id ID.
// plotly.js itself comes from the installed Python package (/charts/plotly.min.js), loaded before this module.
// The figures are built in Python (web/charts.py says where); a table on the page gives the same figures.

const CONFIG = {
  displayModeBar: false, // its buttons would need inline styles, and the table beside the chart holds the figures
  displaylogo: false,
  responsive: true,
};

for (const data of document.querySelectorAll('script[type="application/json"][data-chart]')) {
  const target = document.getElementById(data.dataset.chart);
  if (target && window.Plotly) {
    const figure = JSON.parse(data.textContent);
    window.Plotly.newPlot(target, figure.data, figure.layout, CONFIG);
  }
}
