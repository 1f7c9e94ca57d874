// A small uPlot wrapper: one x axis (event t in ms) and a few y series. The chart is created
// once per theme and series set; new data goes through setData, width follows the container.
// Colours come from the page's CSS custom properties, resolved for the current theme.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';

export interface ChartSeries {
  label: string;
  /** a CSS colour or var(--name) */
  color: string;
  /** draw points only (for sparse samples such as RTTs) */
  points?: boolean;
  /** a unit shown in the legend, e.g. "ms" or "B" */
  unit?: string;
}

export interface TimeChartProps {
  /** [xs, ...ys]: xs are event t in ms, ascending */
  data: [number[], ...(number | null)[][]];
  series: ChartSeries[];
  /** accessible name: what the chart shows */
  title: string;
  yLabel: string;
  height?: number;
  /** the x axis when it is not event time: its label and how a value reads in the legend */
  x?: { label: string; format(v: number): string };
}

/** Resolves a CSS colour (including var(--x) and light-dark()) to rgb() through the DOM. */
function resolveColour(probe: HTMLElement, colour: string): string {
  probe.style.color = colour;
  return getComputedStyle(probe).color;
}

/** A number that changes whenever the page's light/dark theme does. */
function useThemeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const bump = () => setV((x) => x + 1);
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', bump);
    const mo = new MutationObserver(bump);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      mq.removeEventListener('change', bump);
      mo.disconnect();
    };
  }, []);
  return v;
}

export function TimeChart({ data, series, title, yLabel, height = 160, x }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const theme = useThemeVersion();
  const seriesKey = JSON.stringify(series);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const probe = document.createElement('span');
    el.appendChild(probe);
    const text = resolveColour(probe, 'var(--muted)');
    const grid = resolveColour(probe, 'var(--border)');
    const colours = series.map((s) => resolveColour(probe, s.color));
    probe.remove();
    const font = `13px ${getComputedStyle(document.body).fontFamily}`;
    const axis = { stroke: text, font, labelFont: font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: false } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: x ? x.label : 't', value: (_u, v) => (v == null ? '—' : x ? x.format(v) : `${v.toFixed(1)} ms`) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: colours[i],
          width: 2,
          spanGaps: true,
          points: s.points ? { show: true, size: 6, fill: colours[i] } : { show: false },
          paths: s.points ? () => null : undefined,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${Math.round(v * 100) / 100}${s.unit ? ` ${s.unit}` : ''}`),
        })),
      ],
      axes: [
        { ...axis, label: x ? x.label : 't (ms since server start)', labelSize: 20, size: 36 },
        { ...axis, label: yLabel, labelSize: 20, size: 64 },
      ],
    };
    const u = new uPlot(opts, latest.current as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [theme, seriesKey, height, yLabel, x?.label]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div className="time-chart" ref={box} role="img" aria-label={title} />;
}
