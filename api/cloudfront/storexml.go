package cloudfront

import (
	"encoding/xml"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/kvsimport"
)

type createKeyValueStoreRequest struct {
	XMLName      xml.Name         `xml:"CreateKeyValueStoreRequest"`
	Name         *string          `xml:"Name"`
	Comment      string           `xml:"Comment"`
	ImportSource *importSourceXML `xml:"ImportSource"`
	Tags         tagsXML          `xml:"Tags"`

	source *kvsimport.Object // nil without ImportSource
}

type importSourceXML struct {
	SourceType string `xml:"SourceType"`
	SourceARN  string `xml:"SourceARN"`
}

func (c *createKeyValueStoreRequest) validate(edgefn.Limits) error {
	res := edgefn.ResourceKeyValueStore
	if c.Name == nil {
		return invalid(res, "Name is required.")
	}
	if err := checkName(res, *c.Name); err != nil {
		return err
	}
	if s := c.ImportSource; s != nil {
		switch {
		case s.SourceType == "":
			return invalid(res, "ImportSource.SourceType is required.")
		case s.SourceARN == "":
			return invalid(res, "ImportSource.SourceARN is required.")
		}
		obj, err := kvsimport.ParseSource(s.SourceType, s.SourceARN)
		if err != nil {
			return err
		}
		c.source = &obj
	}
	return nil
}

type updateKeyValueStoreRequest struct {
	XMLName xml.Name `xml:"UpdateKeyValueStoreRequest"`
	Comment *string  `xml:"Comment"`
}

func (u *updateKeyValueStoreRequest) validate(edgefn.Limits) error {
	if u.Comment == nil {
		return invalid(edgefn.ResourceKeyValueStore, "Comment is required (it may be empty).")
	}
	return nil
}

// keyValueStoreXML is KeyValueStore: a response root and a KeyValueStoreList
// entry. The model marks Comment required, but AWS leaves it out for a store
// created without one, and the Terraform provider compares it with a null
// in its plan: an empty comment is not sent.
type keyValueStoreXML struct {
	XMLName          xml.Name `xml:"KeyValueStore"`
	Name             string   `xml:"Name"`
	ID               string   `xml:"Id"`
	Comment          string   `xml:"Comment,omitempty"`
	ARN              string   `xml:"ARN"`
	Status           string   `xml:"Status"`
	LastModifiedTime string   `xml:"LastModifiedTime"`
}

func storeXML(k *edgefn.KeyValueStore) keyValueStoreXML {
	return keyValueStoreXML{
		Name:             k.Name,
		ID:               k.ID,
		Comment:          k.Comment,
		ARN:              k.ARN(),
		Status:           k.Status,
		LastModifiedTime: formatTime(k.LastModified),
	}
}
