// Draw the charts whose Plotly figures a page carries as JSON data blocks (<script type="application/json">).
// plotly.js itself comes from the installed Python package (/charts/plotly.min.js), loaded before this module.
// The figures are built in Python (wholeplace/funds/sankey.py); a table on the page gives the same figures.

const CONFIG = {
  displayModeBar: false, // its buttons would need inline styles, and the table beside the chart holds the figures
  displaylogo: false,
  responsive: true,
};

function draw(data, target) {
  const figure = JSON.parse(data.textContent);
  return window.Plotly.newPlot(target, figure.data, figure.layout, CONFIG);
}

const charts = [["sankey-data", "sankey"]];
for (const [dataId, targetId] of charts) {
  const data = document.getElementById(dataId);
  const target = document.getElementById(targetId);
  if (data && target && window.Plotly) {
    draw(data, target);
  }
}
