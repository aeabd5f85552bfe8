// Charts with Chart.js (tree-shaken registration): the build Gantt as floating horizontal bars, and the
// delivery metrics. Every chart has a data table next to it: screen readers and keyboard users read that.
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from "chart.js";
import type { GanttBar } from "./gantt";
import { h } from "./ui";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.animation = false; // live refreshes redraw often; no animation to wait for

const COLOURS = { succeeded: "#2e7d32", started: "#1565c0", failed: "#c62828" } as const;

function canvas(label: string): HTMLCanvasElement {
  return h("canvas", { role: "img", "aria-label": label, height: 220 });
}

export function ganttChart(bars: GanttBar[], title: string): HTMLElement {
  const element = canvas(title);
  const chart = new Chart(element, {
    type: "bar",
    data: {
      labels: bars.map((b) => b.label),
      datasets: [{
        label: "seconds from the build's start",
        data: bars.map((b) => [b.start, Math.max(b.end, b.start + 0.5)] as [number, number]),
        backgroundColor: bars.map((b) => COLOURS[b.state]),
      }],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { type: "linear", min: 0, title: { display: true, text: "seconds from the build's start" } } },
      plugins: { legend: { display: false } },
    },
  });
  element.dataset.chart = "gantt";
  (element as HTMLCanvasElement & { chart?: Chart }).chart = chart;
  return h("div", { class: "chart gantt", style: `height: ${80 + bars.length * 34}px` }, element);
}

export function barChart(title: string, labels: string[], values: number[], unit: string): HTMLElement {
  const element = canvas(title);
  new Chart(element, {
    type: "bar",
    data: { labels, datasets: [{ label: unit, data: values, backgroundColor: "#1565c0" }] },
    options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, title: { display: true, text: unit } } } },
  });
  return h("figure", { class: "chart" }, h("figcaption", {}, title), h("div", { class: "chart-box" }, element));
}

export function lineChart(title: string, labels: string[], series: { label: string; values: number[]; colour: string }[], unit: string): HTMLElement {
  const element = canvas(title);
  new Chart(element, {
    type: "line",
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.values, borderColor: s.colour, backgroundColor: s.colour })) },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: true, text: unit } } } },
  });
  return h("figure", { class: "chart" }, h("figcaption", {}, title), h("div", { class: "chart-box" }, element));
}
