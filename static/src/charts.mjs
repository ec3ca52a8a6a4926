// Draws each dashboard chart from the JSON block beside it (built in Python). plotly.js is
// loaded before this module by a plain <script>; its styles come from dist/plotly.css (the
// <link id="plotly.js-style-global" class="no-inline-styles">), so no inline <style> is made.
const Plotly = window.Plotly;
const boardPack = document.querySelector("[data-board-pack]") !== null;

// A board pack prints on A4 landscape: inside 10 mm margins a page is about 1,040 × 710 CSS pixels.
// Its charts are drawn for their place on that page, named by the nearest data-pack-chart (the
// layout is in dashboards.css): the whole width, beside a table (narrow), half, a third, beside the
// national outcomes (progress), or the heatmap beside the headline figures (cover), which gives
// every force a row within one page.
const PACK_SLOTS = {
  full: { width: 1040, height: 300 },
  narrow: { width: 460, height: 300 },
  half: { width: 505, height: 260 },
  third: { width: 335, height: 200 },
  progress: { width: 390, height: 290 },
  cover: { width: 680, height: 640 },
};
const PACK_FONT_SIZE = 12; // 9pt printed

function breakNearMiddle(text) {
  let at = -1;
  for (let i = text.indexOf(" "); i !== -1; i = text.indexOf(" ", i + 1)) {
    if (at === -1 || Math.abs(i - text.length / 2) < Math.abs(at - text.length / 2)) at = i;
  }
  return at === -1 ? text : `${text.slice(0, at)}<br>${text.slice(at + 1)}`;
}

function packLayout(target, figure, layout) {
  const slot = PACK_SLOTS[target.closest("[data-pack-chart]")?.dataset.packChart] ?? PACK_SLOTS.full;
  const sized = {
    ...layout,
    width: slot.width,
    height: Math.min(slot.height, layout.height ?? slot.height), // a short bar chart stays short
    font: { ...layout.font, size: PACK_FONT_SIZE },
    margin: { l: 50, r: 15, t: 25, b: 40 },
  };
  if (figure.data[0]?.orientation === "h") {
    // A bar a row (forces, owners): about 24 px each, so two owners make a short chart.
    sized.height = Math.min(sized.height, figure.data[0].y.length * 24 + 90);
  }
  // A narrow chart of categories (quarters, pillars): its labels may turn upright, so its legend goes
  // above the plot, where plotly makes room for it, rather than over them.
  if (slot === PACK_SLOTS.third && typeof figure.data[0]?.x?.[0] === "string" && layout.showlegend !== false) {
    sized.legend = { ...layout.legend, orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" };
    sized.xaxis = { ...layout.xaxis, automargin: true };
    sized.margin = { ...sized.margin, t: 10, b: 10 };
  }
  // A y-axis title longer than the plot is tall goes on two lines rather than being cut off.
  const title = layout.yaxis?.title?.text;
  const room = (sized.height - sized.margin.t - sized.margin.b) / (PACK_FONT_SIZE * 0.55);
  if (typeof title === "string" && title.length > room) {
    sized.yaxis = { ...layout.yaxis, title: { ...layout.yaxis.title, text: breakNearMiddle(title) } };
  }
  const heatmap = figure.data[0]?.type === "heatmap";
  if (heatmap) {
    // As tall as its rows need (about 22 px each), up to the slot: 43 forces get 14 px a row.
    const rows = figure.data[0].y.length;
    sized.height = Math.min(slot.height, rows * 22 + 60);
    sized.margin = { l: 10, r: 10, t: 30, b: 10 };
    sized.yaxis = { ...layout.yaxis, dtick: 1, tickfont: { size: rows > 30 ? 11 : 12 } }; // every force named
    figure.data[0] = { ...figure.data[0], textfont: { size: rows > 30 ? 11 : 12 } };
  }
  return sized;
}

for (const block of document.querySelectorAll("script[type='application/json'][data-chart-for]")) {
  const target = document.getElementById(block.dataset.chartFor);
  if (!Plotly || !target) continue;
  const figure = JSON.parse(block.textContent);
  const layout = boardPack ? packLayout(target, figure, figure.layout) : { ...figure.layout };
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
