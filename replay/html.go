package replay

import (
	"html/template"
	"io"
	"strconv"
)

// bar is one column of an inline SVG chart.
type bar struct {
	X, Y, W, H int
	Label      string
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
		out[i] = bar{X: i * w, Y: chartH - h, W: max(w-1, 1), H: h, Label: label(i)}
	}
	return out
}

var htmlReport = template.Must(template.New("report").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>edgefn replay</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}rect{fill:#3670b3}</style>
</head><body>
<h1>edgefn replay</h1>
<p>{{.R.Lines}} lines, {{.R.Requests}} requests, {{.R.Malformed.Count}} malformed.</p>
<h2>Outcomes</h2>
<svg width="{{.W}}" height="{{.H}}" role="img">{{range .Outcomes}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}</title></rect>{{end}}</svg>
<table><tr><th>outcome</th><th>requests</th><th>samples</th></tr>{{range .R.Outcomes}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{range .Samples}}{{.Method}} {{.URI}} <small>{{.Source}}</small><br>{{end}}</td></tr>{{end}}</table>
<h2>ComputeUtilization</h2>
<p>p50 {{.R.Compute.P50}}, p99 {{.R.Compute.P99}}, max {{.R.Compute.Max}}</p>
<svg width="{{.W}}" height="{{.H}}" role="img">{{range .Compute}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}</title></rect>{{end}}</svg>
<h2>Top rewritten uris</h2>
<table>{{range .R.TopRewrites}}<tr><td>{{.URI}}</td><td>{{.Count}}</td></tr>{{end}}</table>
<h2>Errors</h2>
<table>{{range .R.Errors}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{with index .Samples 0}}{{.Method}} {{.URI}} <small>{{.Source}}</small>{{end}}</td></tr>{{end}}</table>
{{with .R.Against}}<h2>Differences from --against</h2><p>{{.Differing}} requests differ.</p>
<table>{{range .Kinds}}<tr><td>{{.Key}}</td><td>{{.Count}}</td><td>{{with index .Samples 0}}{{.Method}} {{.URI}} <small>{{.Source}}</small>{{end}}</td></tr>{{end}}</table>{{end}}
{{with .R.Malformed.Samples}}<h2>Malformed lines</h2><table>{{range .}}<tr><td>{{.Source}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML file: inline SVG
// charts, no scripts, no external links.
func (r *Report) WriteHTML(w io.Writer) error {
	counts := make([]int, len(r.Outcomes))
	for i, g := range r.Outcomes {
		counts[i] = g.Count
	}
	return htmlReport.Execute(w, map[string]any{
		"R": r, "W": chartW, "H": chartH,
		"Outcomes": bars(counts, func(i int) string { return r.Outcomes[i].Key }),
		"Compute": bars(r.Compute.Histogram, func(i int) string {
			return "ComputeUtilization " + itoa(i)
		}),
	})
}

func itoa(i int) string {
	if i > maxCompute {
		return "over 100"
	}
	return strconv.Itoa(i)
}
