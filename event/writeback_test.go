package event

import (
	"reflect"
	"slices"
	"testing"
)

func TestWireValues(t *testing.T) {
	single := &Field{Name: "a", Value: "1"}
	multi := &Field{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2"}, {Value: "3"}}}
	cookie := &Field{Name: "id", Value: "x", Attributes: "Path=/"}
	tests := []struct {
		name      string
		orig, out *Field
		want      []Value
	}{
		{"deleted", single, nil, nil},
		{"added", nil, &Field{Name: "a", Value: "9"}, []Value{{Value: "9"}}},
		{"added with multiValue", nil, &Field{Name: "a", Value: "ignored", MultiValue: []Value{{Value: "7"}, {Value: "8"}}}, []Value{{Value: "7"}, {Value: "8"}}},
		{"unchanged single", single, &Field{Name: "a", Value: "1"}, []Value{{Value: "1"}}},
		{"changed single", single, &Field{Name: "a", Value: "2"}, []Value{{Value: "2"}}},
		{"unchanged multi", multi, &Field{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2"}, {Value: "3"}}}, []Value{{Value: "1"}, {Value: "2"}, {Value: "3"}}},
		{"value change replaces the first occurrence, duplicates kept", multi, &Field{Name: "a", Value: "X", MultiValue: []Value{{Value: "1"}, {Value: "2"}, {Value: "3"}}}, []Value{{Value: "X"}, {Value: "2"}, {Value: "3"}}},
		{"value change without multiValue keeps duplicates", multi, &Field{Name: "a", Value: "X"}, []Value{{Value: "X"}, {Value: "2"}, {Value: "3"}}},
		{"multiValue removed, value same", multi, &Field{Name: "a", Value: "1"}, []Value{{Value: "1"}, {Value: "2"}, {Value: "3"}}},
		{"modified multiValue decides alone", multi, &Field{Name: "a", Value: "X", MultiValue: []Value{{Value: "2"}}}, []Value{{Value: "2"}}},
		{"multiValue emptied", multi, &Field{Name: "a", Value: "1", MultiValue: []Value{}}, []Value{}},
		{"multiValue added to a single entry", single, &Field{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "5"}}}, []Value{{Value: "1"}, {Value: "5"}}},
		{"cookie attributes changed", cookie, &Field{Name: "id", Value: "x", Attributes: "Path=/; Secure"}, []Value{{Value: "x", Attributes: "Path=/; Secure"}}},
		{"empty received multiValue, value changed", &Field{Name: "a", MultiValue: []Value{}}, &Field{Name: "a", Value: "1", MultiValue: []Value{}}, []Value{{Value: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WireValues(tt.orig, tt.out); !slices.Equal(got, tt.want) {
				t.Errorf("WireValues = %#v, want %#v", got, tt.want)
			}
			// Appended after what dst holds, in the room it has.
			var buf [4]Value
			prefix := Value{Value: "before"}
			got := AppendWireValues(append(buf[:0], prefix), tt.orig, tt.out)
			if !slices.Equal(got, append([]Value{prefix}, tt.want...)) {
				t.Errorf("AppendWireValues = %#v, want %#v after %#v", got, tt.want, prefix)
			}
		})
	}
}

func TestWriteBack(t *testing.T) {
	orig := Fields{
		{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2"}}},
		{Name: "b", Value: "x"},
		{Name: "c", Value: "gone"},
	}
	tests := []struct {
		name string
		out  Fields
		want Fields
	}{
		{"unchanged", orig, orig},
		{
			"edited, deleted, added",
			Fields{
				{Name: "a", Value: "9", MultiValue: []Value{{Value: "1"}, {Value: "2"}}},
				{Name: "b", Value: "x", MultiValue: []Value{{Value: "x"}, {Value: "y"}}},
				{Name: "d", Value: "new"},
			},
			Fields{
				{Name: "a", Value: "9", MultiValue: []Value{{Value: "9"}, {Value: "2"}}},
				{Name: "b", Value: "x", MultiValue: []Value{{Value: "x"}, {Value: "y"}}},
				{Name: "d", Value: "new"},
			},
		},
		{"multiValue cut to one", Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "2"}}}}, Fields{{Name: "a", Value: "2"}}},
		{"multiValue emptied drops the entry", Fields{{Name: "a", Value: "1", MultiValue: []Value{}}}, nil},
		{"all deleted", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WriteBack(orig, tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WriteBack = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestFieldsChanged(t *testing.T) {
	orig := Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}}
	tests := []struct {
		name string
		out  Fields
		want bool
	}{
		{"same", Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}}, false},
		{"multiValue dropped, same wire values", Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}, false},
		{"reordered", Fields{{Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}, {Name: "a", Value: "1"}}, true},
		{"value changed", Fields{{Name: "a", Value: "9"}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}}, true},
		{"entry deleted", Fields{{Name: "a", Value: "1"}}, true},
		{"same value as a multiValue", Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}}}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}}, false},
		{"duplicate dropped", Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}}}}, true},
		{"renamed", Fields{{Name: "A", Value: "1"}, {Name: "b", Value: "2", MultiValue: []Value{{Value: "2"}, {Value: "3"}}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FieldsChanged(orig, tt.out); got != tt.want {
				t.Errorf("FieldsChanged = %v, want %v", got, tt.want)
			}
		})
	}
}
