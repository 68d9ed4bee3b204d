package event

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Bytes returns the body's content: Data as UTF-8 for the text encoding, or
// Data decoded for base64. Base64 means the standard alphabet, padded or with
// no padding at all, line breaks ignored; other data, like an encoding other
// than text or base64, is an error (§2.7).
func (b *Body) Bytes() ([]byte, error) {
	switch b.Encoding {
	case EncodingText:
		return []byte(b.Data), nil
	case EncodingBase64:
		data, err := base64.StdEncoding.DecodeString(b.Data)
		if err != nil && !strings.Contains(b.Data, "=") {
			data, err = base64.RawStdEncoding.DecodeString(b.Data)
		}
		if err != nil {
			return nil, fmt.Errorf("body data is not valid base64: %w", err)
		}
		return data, nil
	}
	return nil, fmt.Errorf("body encoding %q is neither %q nor %q", b.Encoding, EncodingText, EncodingBase64)
}
