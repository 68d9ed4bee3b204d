package replay

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkReplay replays a generated 1-million-line log (b.N lines per
// iteration would make the file the measurement) and reports lines/s per core.
func BenchmarkReplay(b *testing.B) {
	const lines = 1_000_000
	path := filepath.Join(b.TempDir(), "big.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(w3cHeader())
	for i := range lines {
		r := traffic[i%len(traffic)]
		r.uri = fmt.Sprintf("%s%d", r.uri, i%97)
		w.WriteString(r.w3cLine() + "\n")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	p := compile(b, newFn)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Replay(context.Background(), Options{Files: []string{path}, Function: p})
		if err != nil || rep.Lines != lines {
			b.Fatal(err, rep.Lines)
		}
	}
	perCore := float64(lines*b.N) / b.Elapsed().Seconds() / float64(runtime.GOMAXPROCS(0))
	b.ReportMetric(perCore, "lines/s/core")
}
