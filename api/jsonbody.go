package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// errJSONTooLarge: a JSON body or meta part longer than maxJSON.
var errJSONTooLarge = errors.New("larger than maxJSON")

// notObjectError: the JSON value is not an object (null, an array, a
// string...), which no route takes.
type notObjectError struct{ kind string }

func (e notObjectError) Error() string { return "a JSON object expected, not " + e.kind }

// jsonKinds name a JSON value by its first byte.
var jsonKinds = map[byte]string{'[': "an array", '"': "a string", 'n': "null", 't': "true", 'f': "false",
	'-': "a number", '0': "a number", '1': "a number", '2': "a number", '3': "a number", '4': "a number",
	'5': "a number", '6': "a number", '7': "a number", '8': "a number", '9': "a number"}

// expectObject refuses a JSON value that is not an object: decoded
// into a struct, null was read as an empty request (PATCH /users/{id}
// with null answered 200, POST /auth/login counted a failed login) and an
// array's error named the Go type. io.EOF when there is nothing but white
// space; anything else is left for the decoder to judge.
func expectObject(data []byte) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return io.EOF
	}
	if k, ok := jsonKinds[data[0]]; ok {
		return notObjectError{k}
	}
	return nil
}

// unknownFieldError: the JSON names a field its route does not have
// (path as sent: "nickname", "sender.fax").
type unknownFieldError struct{ path string }

func (e unknownFieldError) Error() string { return fmt.Sprintf("unknown field %q", e.path) }

// duplicateFieldError: an object of the JSON names a field twice (path
// as sent: "confidentiality", "sender.name"), or twice in spellings the
// decoder takes for one field ("confidentiality", "Confidentiality"). The
// decoder kept the last and dropped the first unseen: {"confidentiality":
// "secret", "confidentiality": "normal"} created a document that is not
// classified, where a proxy, a log or a client's own check reading the
// first saw Tối mật.
type duplicateFieldError struct{ path string }

func (e duplicateFieldError) Error() string { return fmt.Sprintf("field %q named twice", e.path) }

// jsonLevel is an object or array duplicateField is inside: its path,
// the names seen (nil for an array), whether a name comes next and the
// next element's index.
type jsonLevel struct {
	path    string
	seen    map[string]bool
	wantKey bool
	key     string
	index   int
}

// duplicateField returns a duplicateFieldError for the first field data
// (JSON the decoder took) names twice in one object; names are compared
// folded, as the decoder matches them to a struct's fields.
func duplicateField(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*jsonLevel
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF: the decoder has judged the syntax
		}
		var top *jsonLevel
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		path := ""
		if top != nil && top.wantKey {
			name := tok.(string)
			folded := strings.ToLower(strings.ToUpper(name))
			if top.seen[folded] {
				return duplicateFieldError{joinJSONPath(top.path, name)}
			}
			top.seen[folded], top.key, top.wantKey = true, name, false
			continue
		}
		if top != nil { // a value: the level's next token is a name or an element
			path, top.wantKey = joinJSONPath(top.path, top.key), top.seen != nil
			if top.seen == nil {
				path = joinJSONPath(top.path, strconv.Itoa(top.index))
				top.index++
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &jsonLevel{path: path, seen: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &jsonLevel{path: path})
		}
	}
}

// joinJSONPath is path's child name, as the API names a nested field.
func joinJSONPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// unknownField returns err, decoding data into v, as an
// unknownFieldError when data has a field v's type does not (the
// decoder's own error for it has no type of its own); err otherwise.
func unknownField(err error, data []byte, v any) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var de *workflow.Error
	if err == nil || errors.As(err, &te) || errors.As(err, &se) || errors.As(err, &de) || errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	var val any
	if json.Unmarshal(data, &val) != nil {
		return err
	}
	if path := unknownIn(val, reflect.TypeOf(v), ""); path != "" {
		return unknownFieldError{path}
	}
	return err
}

// unknownIn returns the path of the first field of val (decoded JSON)
// that type t does not have, matched as encoding/json matches them (tag
// names, case folded), an array's element by its index
// ("recipients.0.fax").
func unknownIn(val any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return ""
	}
	switch t.Kind() {
	case reflect.Struct:
		m, _ := val.(map[string]any)
		fields := jsonFields(t)
		keys := slices.Sorted(maps.Keys(m))
		for _, k := range keys {
			sub := strings.TrimPrefix(path+"."+k, ".")
			ft, ok := fields[strings.ToLower(k)]
			if !ok {
				return sub
			}
			if p := unknownIn(m[k], ft, sub); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		a, _ := val.([]any)
		for i, e := range a {
			if p := unknownIn(e, t.Elem(), path+"."+strconv.Itoa(i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// jsonFields are the JSON names of struct t's fields, lower case, with
// their types (embedded structs' fields included, as encoding/json does).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for name, f := range jsonStructFields(t) {
		out[name] = f.Type
	}
	return out
}

// jsonStructFields are struct t's fields by their JSON names, lower
// case; an embedded struct's fields are its own, their Index the path
// from t (for reflect.Value.FieldByIndex).
func jsonStructFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
			continue
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for n, sub := range jsonStructFields(f.Type) {
				sub.Index = append(slices.Clone(f.Index), sub.Index...)
				out[n] = sub
			}
			continue
		case name == "":
			name = f.Name
		}
		out[strings.ToLower(name)] = f
	}
	return out
}

// nullFieldError: the JSON gives null for a field that cannot be
// cleared (path as sent: "subject", "layout").
type nullFieldError struct{ path string }

func (e nullFieldError) Error() string { return fmt.Sprintf("field %q cannot be null", e.path) }

// applyNulls gives each null of data, the JSON object decoded into v,
// its meaning, in every body (JSON and the meta parts) at once. Decoded
// by encoding/json, a null left a pointer field nil, as if the field were
// left out: in a PATCH, "notes": null kept the notes, and "subject": null
// was ignored without a word. A null for a field that is a pointer — one
// whose absence means something, "keep it" in a PATCH — is now what the
// field's tag null says:
//
//	null:"clear"  the field's empty value, given ("" or no items): cleared
//	null:"omit"   as if left out (a box of a layout given whole: none)
//	(no tag)      refused: a nullFieldError naming the field (it cannot
//	              be cleared: give a value, or leave it out)
//
// A null for a field that is no pointer is its zero value, which its
// absence means too, as before.
func applyNulls(data []byte, v any) error {
	if !bytes.Contains(data, []byte("null")) { // most bodies: nothing to read again
		return nil
	}
	var val any
	if err := json.Unmarshal(data, &val); err != nil {
		return err
	}
	return nullsIn(val, reflect.ValueOf(v), "")
}

// nullsIn applies the nulls of val, decoded JSON, to rv (applyNulls).
func nullsIn(val any, rv reflect.Value, path string) error {
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if reflect.PointerTo(rv.Type()).Implements(jsonUnmarshaler) {
		return nil
	}
	switch rv.Kind() {
	case reflect.Struct:
		m, _ := val.(map[string]any)
		fields := jsonStructFields(rv.Type())
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sf, ok := fields[strings.ToLower(k)]
			if !ok {
				continue
			}
			sub, fv := strings.TrimPrefix(path+"."+k, "."), rv.FieldByIndex(sf.Index)
			var err error
			if m[k] == nil {
				err = setNull(fv, sf.Tag.Get("null"), sub)
			} else {
				err = nullsIn(m[k], fv, sub)
			}
			if err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		a, _ := val.([]any)
		for i := 0; i < len(a) && i < rv.Len(); i++ {
			if err := nullsIn(a[i], rv.Index(i), path+"."+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// setNull gives field fv, sent as null, the meaning its tag says
// (applyNulls).
func setNull(fv reflect.Value, tag, path string) error {
	if fv.Kind() != reflect.Pointer {
		return nil
	}
	switch tag {
	case "clear":
		fv.Set(reflect.New(fv.Type().Elem()))
	case "omit":
	default:
		return nullFieldError{path}
	}
	return nil
}

// jsonBodyError is the error answer for err, decodeJSON's error on the
// JSON of where ("the request body", "part meta"): what is wrong in the
// API's terms, with the field at fault where there is one, never the Go
// type the JSON was read into (it said "cannot unmarshal bool into Go
// struct field updateUserRequest.full_name of type string").
func jsonBodyError(where string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var de *workflow.Error
	var no notObjectError
	switch {
	case errors.Is(err, io.EOF):
		return workflow.Errorf(workflow.EINVALID, "%s is empty: a JSON object expected", where)
	case errors.Is(err, errJSONTooLarge):
		return workflow.Errorf(workflow.ETOOLARGE, "%s is larger than %d bytes (1 MiB), the most a JSON body may hold", where, maxJSON)
	case errors.As(err, &no):
		return workflow.Errorf(workflow.EINVALID, "%s must be a JSON object, not %s", where, no.kind)
	case errors.As(err, &te) && te.Field != "":
		return workflow.Errorf(workflow.EINVALID, "%s must be %s, not %s", te.Field, jsonWant(te.Type), jsonGot(te.Value)).On(fieldOfPath(te.Field))
	case errors.As(err, &se):
		return workflow.Errorf(workflow.EINVALID, "%s is not valid JSON: %s (at byte %d)", where, se.Error(), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return workflow.Errorf(workflow.EINVALID, "%s is not valid JSON: it ends inside the value", where)
	case errors.As(err, &de):
		return err // a field's own check (a date)
	}
	var nf nullFieldError
	if errors.As(err, &nf) {
		return workflow.Errorf(workflow.EINVALID, "%s cannot be cleared (null in %s): give a value, or leave it out", nf.path, where).On(fieldOfPath(nf.path))
	}
	var ue unknownFieldError
	if errors.As(err, &ue) {
		return workflow.Errorf(workflow.EINVALID, "unknown field %q in %s", ue.path, where).On(fieldOfPath(ue.path))
	}
	var dup duplicateFieldError
	if errors.As(err, &dup) {
		return workflow.Errorf(workflow.EINVALID, "field %q is given twice in %s: give it once", dup.path, where).On(fieldOfPath(dup.path))
	}
	return workflow.Errorf(workflow.EINVALID, "%s is not valid JSON for this route: %v", where, err)
}

// fieldOfPath is the API's name of the field at a path: an array's
// element is its array ("recipients.0.org_id" is "recipients", as the
// checks of the fields name it).
func fieldOfPath(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			return strings.Join(parts[:i], ".")
		}
	}
	return path
}

// jsonWant says what JSON a field of Go type t takes.
func jsonWant(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonWant(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("a whole number that fits in %d bits", t.Bits())
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another kind of value"
}

// jsonGot names the JSON value the decoder found ("number", "bool",
// "number 1e300" for one out of range).
func jsonGot(v string) string {
	switch {
	case v == "bool":
		return "true or false"
	case v == "array", v == "object":
		return "an " + v
	case strings.HasPrefix(v, "number "):
		return "the number " + strings.TrimPrefix(v, "number ")
	}
	return "a " + v
}

// checkJSONType refuses a body whose Content-Type says it is not JSON
// (415): PATCH /users/{id} with text/plain was read as JSON and answered
// 200. Taken: application/json and the application/...+json types, no
// Content-Type, and application/x-www-form-urlencoded, the type curl -d
// sends unless told otherwise (the README's examples).
func checkJSONType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || mt == "application/x-www-form-urlencoded" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "this route takes a JSON body (Content-Type application/json), not %q", ct)
}
