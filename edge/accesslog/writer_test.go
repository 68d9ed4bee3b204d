package accesslog

import (
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func newWriter(t *testing.T, cfg Config) *Writer {
	t.Helper()
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = time.Hour // the tests flush
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}

// files returns the files under dir by path relative to it, with their
// contents (gunzipped).
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				return err
			}
		}
		b, err := io.ReadAll(r)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriterFiles(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Config{Dir: dir})
	h1 := time.Date(2024, 5, 1, 13, 59, 59, 0, time.UTC)
	h2 := h1.Add(time.Second)
	logs := Destination{Bucket: "logs.s3.amazonaws.com", Prefix: "cf", Distribution: "E1AAAAAAAAAAAA"}
	other := Destination{Bucket: "other.s3.eu-west-1.amazonaws.com", Distribution: "E2BBBBBBBBBBBB"}
	w.Write(logs, h1, []byte("a\n"))
	w.Write(logs, h1, []byte("b\n"))
	w.Write(logs, h2, []byte("c\n"))
	w.Write(other, h1, []byte("d\n"))
	w.Flush()
	w.Write(logs, h1, []byte("late\n"))
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := files(t, dir)
	name := regexp.MustCompile(`^(logs/cf/E1AAAAAAAAAAAA|other/E2BBBBBBBBBBBB)\.(2024-05-01-1[34])\.[A-Z2-7]{13}\.gz$`)
	var contents []string
	for p, body := range got {
		m := name.FindStringSubmatch(p)
		if m == nil {
			t.Errorf("file %s: not a CloudFront log name", p)
			continue
		}
		lines, ok := strings.CutPrefix(body, Header)
		if !ok {
			t.Errorf("%s does not start with the header: %q", p, body)
		}
		contents = append(contents, m[1]+" "+m[2]+" "+lines)
	}
	slices.Sort(contents)
	want := []string{
		"logs/cf/E1AAAAAAAAAAAA 2024-05-01-13 a\nb\n",
		"logs/cf/E1AAAAAAAAAAAA 2024-05-01-13 late\n",
		"logs/cf/E1AAAAAAAAAAAA 2024-05-01-14 c\n",
		"other/E2BBBBBBBBBBBB 2024-05-01-13 d\n",
	}
	if !slices.Equal(contents, want) {
		t.Errorf("files hold %q, want %q", contents, want)
	}
}

func TestWriterPlain(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, Config{Dir: dir, Plain: true})
	w.Write(Destination{Bucket: "logs.s3.amazonaws.com", Prefix: "a/b/", Distribution: "E1"}, time.Unix(0, 0), []byte("x\n"))
	w.Flush()
	got := files(t, dir)
	if len(got) != 1 {
		t.Errorf("files %v, want one", got)
	}
	for p, body := range got {
		if !regexp.MustCompile(`^logs/a/b/E1\.1970-01-01-00\.[A-Z2-7]{13}$`).MatchString(p) || body != Header+"x\n" {
			t.Errorf("%s: %q", p, body)
		}
	}
}

// TestWriterContained: destinations stored before the API checked them,
// and a bucket directory that is a symbolic link out of Dir, write nothing
// outside Dir.
func TestWriterContained(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	w := newWriter(t, Config{Dir: dir})
	for _, d := range []Destination{
		{Bucket: "linked.s3.amazonaws.com", Distribution: "E1"},
		{Bucket: "logs.s3.amazonaws.com", Prefix: "../../", Distribution: "E1"},
		{Bucket: "logs.s3.amazonaws.com", Prefix: "/tmp/", Distribution: "E1"},
		{Bucket: "../x.s3.amazonaws.com", Distribution: "E1"},
		{Bucket: "logs.s3.amazonaws.com", Distribution: "../../E1"},
		{Bucket: "logs.example.com", Distribution: "E1"},
	} {
		w.Write(d, time.Now(), []byte("x\n"))
	}
	w.Flush()
	if got := files(t, outside); len(got) != 0 {
		t.Errorf("written outside the directory: %v", got)
	}
	for p := range files(t, dir) {
		t.Errorf("written: %s", p)
	}
}

// TestWriterBounded: lines past MaxBuffered are dropped (written by a
// Writer whose batches are not written on their own, so that the first
// line's early flush does not race with the second).
func TestWriterBounded(t *testing.T) {
	dir := t.TempDir()
	w, err := open(Config{Dir: dir, MaxBuffered: 10, Plain: true})
	if err != nil {
		t.Fatal(err)
	}
	d := Destination{Bucket: "logs.s3.amazonaws.com", Distribution: "E1"}
	at := time.Unix(0, 0)
	w.Write(d, at, []byte("12345678\n"))
	w.Write(d, at, []byte("dropped\n"))
	select {
	case <-w.wake:
	default:
		t.Error("a batch past half the bound did not ask to be written")
	}
	w.Flush()
	got := files(t, dir)
	if len(got) != 1 {
		t.Errorf("files %v, want one", got)
	}
	for p, body := range got {
		if body != Header+"12345678\n" {
			t.Errorf("%s: %q", p, body)
		}
	}
}
