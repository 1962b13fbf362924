/** Run outputs: reports (result JSON, training-curve SVG, Markdown) and per-node prediction CSVs. */
export { writeRunReport, resultJson, REPORT_FILES } from "./write-report.js";
export { runReportMarkdown, type RunReport } from "./markdown.js";
export { trainingCurveSvg, type CurveOptions } from "./curve.js";
export { lineChartSvg, type LineChart, type ChartSeries } from "./line-chart.js";
export { summarizePipeline, type PipelineSummary } from "./pipeline-summary.js";
export { predictionsCsv, argmaxRows, sixDigits } from "./predictions-csv.js";
export { el, renderSvg, svgDocument, escapeXml, type SvgElement, type SvgAttrs } from "./svg.js";
export { niceAxis, formatTick, type Axis, type AxisOptions } from "./ticks.js";
