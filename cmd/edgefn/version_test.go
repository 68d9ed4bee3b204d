package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetArgs([]string{"--version"})
	if err := root.Execute(); err != nil {
		t.Fatalf("--version: %v", err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "edgefn version ") || !strings.Contains(got, runtime.Version()) {
		t.Errorf("--version printed %q, want the program name, the build and %s", got, runtime.Version())
	}
}
