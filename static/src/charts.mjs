// Draws each dashboard chart from the JSON block beside it (built in Python). plotly.js is
// loaded before this module by a plain <script>; its styles come from dist/plotly.css (the
// <link id="plotly.js-style-global" class="no-inline-styles">), so no inline <style> is made.
const Plotly = window.Plotly;
const boardPack = document.querySelector("[data-board-pack]") !== null;

for (const block of document.querySelectorAll("script[type='application/json'][data-chart-for]")) {
  const target = document.getElementById(block.dataset.chartFor);
  if (!Plotly || !target) continue;
  const figure = JSON.parse(block.textContent);
  const layout = { ...figure.layout };
  if (boardPack) layout.width = 1000; // fits A4 landscape when printed
  Plotly.newPlot(target, figure.data, layout, {
    displayModeBar: false,
    responsive: !boardPack,
    staticPlot: false,
    scrollZoom: false,
    doubleClick: false,
  });
  // Heatmap cells carry the URL of the force plan for that pillar.
  target.on("plotly_click", (event) => {
    const point = event.points && event.points[0];
    const url = point && point.customdata;
    if (typeof url === "string" && url.startsWith("/")) window.location.assign(url);
  });
}
