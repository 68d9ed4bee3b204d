package cloudfront

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"

	"github.com/edgefn/edgefn"
)

// element is an element of a request document located by byte offsets, so that
// parts of the document (the DistributionConfig a client sent, members of it
// for a DistributionSummary) go back out exactly as they came in.
type element struct {
	name       string
	start, end int // the element, tags included
	from, to   int // its content
	children   []*element
}

// parseTree reads doc into a tree of elements. Character data is not kept:
// the offsets reach it.
func parseTree(doc []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var (
		root  *element
		stack []*element
	)
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &element{name: t.Name.Local, start: off, from: int(d.InputOffset())}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.to, n.end = off, int(d.InputOffset())
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// child returns the first child element named name, or nil.
func (n *element) child(name string) *element {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *element) raw(doc []byte) []byte   { return doc[n.start:n.end] }
func (n *element) inner(doc []byte) []byte { return doc[n.from:n.to] }

// checkQuantities applies CloudFront's rule for its wrapped lists: wherever
// an element has a Quantity, its Items hold exactly that many entries
// (none, and Items may be left out, for 0).
func (n *element) checkQuantities(doc []byte) error {
	if q := n.child("Quantity"); q != nil && len(q.children) == 0 {
		want, err := strconv.Atoi(string(bytes.TrimSpace(q.inner(doc))))
		if err != nil {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "%s.Quantity is not an integer.", n.name)
		}
		got := 0
		if items := n.child("Items"); items != nil {
			got = len(items.children)
		}
		if got != want {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceQuantity,
				"The value of Quantity and the size of Items don't match: %s.Quantity is %d but there are %d Items.", n.name, want, got)
		}
	}
	for _, c := range n.children {
		if err := c.checkQuantities(doc); err != nil {
			return err
		}
	}
	return nil
}
