package replay

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
)

type lineReader interface {
	next() (Record, *Malformed, bool)
}

// Files expands paths: a directory stands for the regular files under it,
// in name order.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// readFile streams one log file (gzip or plain, W3C or JSON, told apart by
// their first bytes; fields for the columns of a file without #Fields) into
// recs and bad, adding the bytes it reads to read when that is not nil.
func readFile(ctx context.Context, path string, fields map[string]int, read *atomic.Int64, recs chan<- Record, bad func(Malformed)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var src io.Reader = f
	if read != nil {
		src = countingReader{f, read}
	}
	br := bufio.NewReaderSize(src, 64<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = bufio.NewReaderSize(gz, 64<<10)
	}
	pr := r.(*bufio.Reader)
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lr lineReader = newW3CReader(path, sc, fields)
	if first, _ := pr.Peek(1); len(first) == 1 && first[0] == '{' {
		lr = &jsonReader{name: path, sc: sc}
	}
	for {
		rec, m, ok := lr.next()
		if !ok {
			break
		}
		if m != nil {
			bad(*m)
			continue
		}
		select {
		case recs <- rec:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		// A truncated gzip stream or an over-long line: what was read counts,
		// the rest of the file is reported as one malformed entry.
		bad(Malformed{Source: path, Reason: err.Error()})
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Size is the total size of files, what Progress.Bytes counts towards.
func Size(files []string) int64 {
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	return total
}
