package edge

import (
	"errors"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
)

// serveS3 answers a request for an S3 origin from dir/<bucket>/<key> in
// S3's manner: the object with its type and validators, or S3's XML error.
// Nothing outside the bucket's directory is ever opened: the bucket must be
// a name S3 accepts (one path segment, never "." or ".."), and the key, the
// request path unescaped and cleaned, is opened through an os.Root of the
// bucket's directory, which refuses ".." and symbolic links that lead out.
// The bucket's directory itself may be a link the operator made (the dev
// loop serves a project directory so).
func serveS3(resp *fasthttp.Response, dir, bucket string, method []byte, uri string) {
	resp.Reset()
	resp.Header.SetServer("AmazonS3")
	if !edgefn.ValidBucketName(bucket) {
		s3Error(resp, fasthttp.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
		return
	}
	if string(method) != fasthttp.MethodGet && string(method) != fasthttp.MethodHead {
		s3Error(resp, fasthttp.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	key, err := url.PathUnescape(uri)
	if err != nil {
		s3Error(resp, fasthttp.StatusBadRequest, "InvalidURI", "Couldn't parse the specified URI.")
		return
	}
	key = path.Clean("/" + key)
	if key == "/" {
		s3Error(resp, fasthttp.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	root, err := os.OpenRoot(filepath.Join(dir, bucket))
	if err != nil {
		s3Error(resp, fasthttp.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key[1:]))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s3Error(resp, fasthttp.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		s3Error(resp, fasthttp.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		s3Error(resp, fasthttp.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	ctype := mime.TypeByExtension(path.Ext(key))
	if ctype == "" {
		ctype = "binary/octet-stream" // what S3 stores when no type was given
	}
	resp.Header.SetContentType(ctype)
	resp.Header.SetLastModified(st.ModTime())
	resp.Header.Set("ETag", `"`+strconv.FormatInt(st.ModTime().UnixNano(), 16)+"-"+strconv.FormatInt(st.Size(), 16)+`"`)
	resp.Header.Set("Accept-Ranges", "bytes")
	if string(method) == fasthttp.MethodHead {
		f.Close()
		resp.Header.SetContentLength(int(st.Size()))
		resp.SkipBody = true
		return
	}
	// fasthttp closes the file once it has been sent.
	resp.SetBodyStream(f, int(st.Size()))
}

func s3Error(resp *fasthttp.Response, status int, code, message string) {
	resp.SetStatusCode(status)
	resp.Header.SetContentType("application/xml")
	resp.SetBodyString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		"<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>")
}
