package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// Invalid is a form's problems by input: the id of each input at fault
// and its message, shown beside it (fieldError) and tied to it
// (fieldAttrs: aria-invalid, aria-describedby), besides the one message
// above the form. app.js focuses the first input marked invalid.
type Invalid map[string]string

// inputOf is the id of a form's input that err concerns: the field the
// service names (workflow.ErrorField, the API's name for it) through the
// form's table from those names to its inputs' ids; "" when the form has
// no such input (the message is then only the one above the form).
func inputOf(err error, inputs map[string]string) string {
	if f := workflow.ErrorField(err); f != "" {
		return inputs[f]
	}
	return ""
}

// inputIn is inputOf with the form's table inputs.
func inputIn(inputs map[string]string) func(error) string {
	return func(err error) string { return inputOf(err, inputs) }
}

// sameInputs is the table of a form whose inputs have the ids of the
// API's fields.
func sameInputs(fields ...string) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[f] = f
	}
	return m
}

// one is the Invalid of a single input's message, nil when id is "".
func one(id, msg string) Invalid {
	if id == "" {
		return nil
	}
	return Invalid{id: msg}
}

// invalidOf is the Invalid of each of err's inputs — of every error
// joined in it (errors.Join), as a form that checks several inputs at
// once (a filter's two dates) returns them — with its text by the field's
// name, else msg.
func invalidOf(err error, inputs, text map[string]string, msg string) Invalid {
	var inv Invalid
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if id := inputOf(err, inputs); id != "" {
			if inv == nil {
				inv = Invalid{}
			}
			inv[id] = msg
			if t := text[workflow.ErrorField(err)]; t != "" {
				inv[id] = t
			}
		}
	}
	walk(err)
	return inv
}

// formProblems is the message above a form and the message beside each
// of its inputs at fault (input: the id of the one a problem concerns,
// "" when none), each problem's message text(problem): the services report every field's
// problem at once (workflow.Problems), each shown beside its input, and
// the message above says how many there are and lists them. One
// problem's message is the one above and beside its input.
func formProblems(err error, input, text func(error) string) (string, Invalid) {
	ps := workflow.Problems(err)
	if len(ps) < 2 {
		msg := text(err)
		return msg, one(input(err), msg)
	}
	inv := Invalid{}
	msgs := make([]string, 0, len(ps))
	for _, p := range ps {
		msg := text(p)
		if !slices.Contains(msgs, msg) { // two boxes' problems may read the same
			msgs = append(msgs, msg)
		}
		if id := input(p); id != "" {
			if _, ok := inv[id]; !ok {
				inv[id] = msg
			}
		}
	}
	return fmt.Sprintf("Có %d lỗi cần sửa (ghi bên cạnh từng ô): %s", len(ps), strings.Join(msgs, " ")), inv
}

// fieldErrorID is the id of the message of input id.
func fieldErrorID(id string) string { return id + "-error" }

// fieldAttrs are the attributes of input id: aria-invalid and
// aria-describedby naming its message when it is at fault, and the ids
// in also (other descriptions; "" skipped) in aria-describedby.
func fieldAttrs(inv Invalid, id string, also ...string) template.HTMLAttr {
	var by []string
	_, bad := inv[id]
	if bad {
		by = append(by, fieldErrorID(id))
	}
	for _, a := range also {
		if a != "" {
			by = append(by, a)
		}
	}
	var b strings.Builder
	if bad {
		b.WriteString(` aria-invalid="true"`)
	}
	if len(by) > 0 {
		b.WriteString(` aria-describedby="` + template.HTMLEscapeString(strings.Join(by, " ")) + `"`)
	}
	return template.HTMLAttr(b.String())
}

// groupAttrs are the attributes of a fieldset of boxes (the roles) at
// fault, as GOV.UK's design system marks one: aria-describedby naming its
// message, which is put after the legend (fieldError), and data-invalid,
// for app.js to focus its first box; aria-invalid is not an attribute
// of a group (ARIA 1.2).
func groupAttrs(inv Invalid, id string) template.HTMLAttr {
	if _, bad := inv[id]; !bad {
		return ""
	}
	return template.HTMLAttr(` data-invalid="true" aria-describedby="` + template.HTMLEscapeString(fieldErrorID(id)) + `"`)
}

// boxAttrs are the attributes of each box (checkbox) of the group id
// (a fieldset marked by groupAttrs) when the group is at fault:
// aria-invalid, which the checkbox role takes (ARIA 1.2), unlike a group,
// so that a screen reader says "invalid" on every box, after the group's
// legend and message (the fieldset's aria-describedby).
func boxAttrs(inv Invalid, id string) template.HTMLAttr {
	if _, bad := inv[id]; !bad {
		return ""
	}
	return ` aria-invalid="true"`
}

// fieldError is the message of input id, beside it, when it is at fault.
func fieldError(inv Invalid, id string) template.HTML {
	msg, bad := inv[id]
	if !bad {
		return ""
	}
	return template.HTML(`<span class="field-error" id="` + template.HTMLEscapeString(fieldErrorID(id)) + `">` +
		template.HTMLEscapeString(msg) + `</span>`)
}
