package replay

import (
	"html/template"
	"io"
	"strconv"
)

// bar is one column of an inline SVG chart: Label is its tooltip, Tick the
// text under it ("" for none), N its count.
type bar struct {
	X, Y, W, H int
	Label      string
	Tick       string
	TickX      int
	N          int
}

const chartW, chartH = 600, 160

// bars scales counts into SVG columns chartW wide and chartH high.
func bars(counts []int, label func(i int) string) []bar {
	peak := 1
	for _, n := range counts {
		peak = max(peak, n)
	}
	w := max(chartW/max(len(counts), 1), 1)
	out := make([]bar, len(counts))
	for i, n := range counts {
		h := n * chartH / peak
		out[i] = bar{X: i * w, Y: chartH - h, W: max(w-1, 1), H: h, Label: label(i), N: n}
	}
	return out
}

var htmlReport = template.Must(template.New("report").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>edgefn replay{{with .R.Function}}: {{.}}{{end}}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}rect{fill:#3670b3}text{font-size:11px;fill:#333}</style>
</head><body>
<h1>edgefn replay{{with .R.Function}}: {{.}}{{end}}</h1>
<table>{{with .R.Function}}<tr><th>function</th><td>{{.}}</td></tr>{{end}}{{with .R.AgainstFile}}<tr><th>against</th><td>{{.}}</td></tr>{{end}}<tr><th>logs</th><td>{{range .R.Logs}}{{.}}<br>{{end}}</td></tr></table>
<p>{{.R.Lines}} lines, {{.R.Requests}} requests, {{.R.Malformed.Count}} malformed.</p>
<h2>Outcomes</h2>
<svg width="{{.W}}" height="{{.SvgH}}" role="img" aria-label="requests by outcome">{{range .Outcomes}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.N}}</title></rect><text x="{{.TickX}}" y="{{$.TickY}}">{{.Tick}}</text><text x="{{.X}}" y="{{.CountY}}">{{.N}}</text>{{end}}</svg>
<table><tr><th>outcome</th><th>requests</th><th>samples</th></tr>{{range .R.Outcomes}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{range .Samples}}{{.Method}} {{.URI}} <small>{{.Source}}</small><br>{{end}}</td></tr>{{end}}</table>
<h2>ComputeUtilization</h2>
<p>p50 {{.R.Compute.P50}}, p99 {{.R.Compute.P99}}, max {{.R.Compute.Max}}. Requests (bar height, tallest {{.ComputePeak}}) by ComputeUtilization (0 to 100, then over 100).</p>
<svg width="{{.W}}" height="{{.SvgH}}" role="img" aria-label="requests by ComputeUtilization">{{range .Compute}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.N}} requests</title></rect>{{if .Tick}}<text x="{{.TickX}}" y="{{$.TickY}}">{{.Tick}}</text>{{end}}{{end}}</svg>
<h2>Top rewritten uris</h2>
<table>{{range .R.TopRewrites}}<tr><td>{{.URI}}</td><td>{{.Count}}</td></tr>{{end}}</table>
<h2>Errors</h2>
<table>{{range .R.Errors}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{with index .Samples 0}}{{.Method}} {{.URI}} <small>{{.Source}}{{if .Line}} (thrown at {{$.R.Function}}:{{.Line}}:{{.Column}}){{end}}</small>{{end}}</td></tr>{{end}}</table>
{{with .R.Against}}<h2>Differences from --against</h2><p>{{.Differing}} requests differ.</p>
<table>{{range .Kinds}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{with index .Samples 0}}{{.Method}} {{.URI}} <small>{{.Source}}</small>{{end}}</td></tr>{{end}}</table>{{end}}
{{with .R.Malformed.Samples}}<h2>Malformed lines</h2><table>{{range .}}<tr><td>{{.Source}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML file: inline SVG
// charts with labelled bars, no scripts, no external links.
func (r *Report) WriteHTML(w io.Writer) error {
	counts := make([]int, len(r.Outcomes))
	for i, g := range r.Outcomes {
		counts[i] = g.Count
	}
	outcomes := bars(counts, func(i int) string { return r.Outcomes[i].Key })
	for i := range outcomes {
		outcomes[i].Tick, outcomes[i].TickX = outcomes[i].Label, outcomes[i].X
	}
	compute := bars(r.Compute.Histogram, func(i int) string { return "ComputeUtilization " + itoa(i) })
	peak := 0
	for i := range compute {
		peak = max(peak, compute[i].N)
		if i%10 == 0 || i == maxCompute+1 {
			// Ticks start at their bar; the last ones end at the chart's edge.
			compute[i].Tick = itoa(i)
			compute[i].TickX = min(compute[i].X, chartW-7*len(compute[i].Tick))
		}
	}
	const labels = 30 // room under the bars for their ticks
	return htmlReport.Execute(w, map[string]any{
		"R": r, "W": chartW, "SvgH": chartH + labels, "TickY": chartH + 14,
		"Outcomes": withCounts(outcomes), "Compute": compute, "ComputePeak": peak,
	})
}

// countBar is a bar whose count is printed over it.
type countBar struct {
	bar
	CountY int
}

func withCounts(bs []bar) []countBar {
	out := make([]countBar, len(bs))
	for i, b := range bs {
		out[i] = countBar{b, max(b.Y-3, 10)}
	}
	return out
}

func itoa(i int) string {
	if i > maxCompute {
		return "over 100"
	}
	return strconv.Itoa(i)
}
