package event

import (
	"bytes"
	"testing"
)

func TestBodyBytes(t *testing.T) {
	tests := []struct {
		name    string
		body    Body
		want    []byte
		wantErr bool
	}{
		{"text", Body{Encoding: EncodingText, Data: "héllo"}, []byte("héllo"), false},
		{"empty text", Body{Encoding: EncodingText}, []byte{}, false},
		{"base64 padded", Body{Encoding: EncodingBase64, Data: "aGk="}, []byte("hi"), false},
		{"base64 unpadded", Body{Encoding: EncodingBase64, Data: "aGk"}, []byte("hi"), false},
		{"base64 with line breaks", Body{Encoding: EncodingBase64, Data: "aGVs\r\nbG8="}, []byte("hello"), false},
		{"base64 binary", Body{Encoding: EncodingBase64, Data: "AP8="}, []byte{0, 255}, false},
		{"base64 invalid characters", Body{Encoding: EncodingBase64, Data: "!!!!"}, nil, true},
		{"base64 wrong padding", Body{Encoding: EncodingBase64, Data: "aGk=="}, nil, true},
		{"base64 url alphabet", Body{Encoding: EncodingBase64, Data: "_-8="}, nil, true},
		{"unknown encoding", Body{Encoding: "utf8", Data: "x"}, nil, true},
		{"missing encoding", Body{Data: "x"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.body.Bytes()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Bytes() error = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !bytes.Equal(got, tt.want) {
				t.Errorf("Bytes() = %q, want %q", got, tt.want)
			}
		})
	}
}
