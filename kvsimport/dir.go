package kvsimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgefn/edgefn"
)

// Dir serves import objects from a local directory: key in bucket is the file
// <Dir>/<bucket>/<key>. It is the embedded default, so it must never read outside
// the directory: keys with empty, "." or ".." segments are refused and os.Root
// keeps symbolic links from leading out.
type Dir string

// Open opens the file for key in bucket.
func (d Dir) Open(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	obj := Object{Bucket: bucket, Key: key}
	for seg := range strings.SplitSeq(bucket+"/"+key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return nil, invalid("The import source %s cannot be read from a directory: the key has an empty, '.' or '..' segment", obj.ARN())
		}
	}
	root, err := os.OpenRoot(string(d))
	if err != nil {
		return nil, fmt.Errorf("open import directory: %w", err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(bucket + "/" + key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(obj)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = notFound(obj)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func notFound(obj Object) error {
	return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceKeyValueStore, "The import source %s does not exist", obj.ARN())
}
