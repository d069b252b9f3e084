package workflow

import "errors"

// problems collects the problems of one input's fields in the order they
// are found, at most one per field (the first), so that a person who
// filled a form learns every mistake at once, not one per submission.
// Its error (err) is nil, the one problem, or the problems joined
// (errors.Join): ErrorCode, ErrorMessage and ErrorField read the first,
// so an answer that named one problem names the same one first.
type problems struct {
	errs   []error
	fields map[string]bool
}

// add records err (nil is ignored) unless a problem of its field was
// recorded already.
func (p *problems) add(err error) {
	if err == nil {
		return
	}
	f := ErrorField(err)
	if f != "" && p.fields[f] {
		return
	}
	if f != "" {
		if p.fields == nil {
			p.fields = map[string]bool{}
		}
		p.fields[f] = true
	}
	p.errs = append(p.errs, err)
}

// addAll records each problem of err (Problems: every one joined in
// it), or err itself when it holds none.
func (p *problems) addAll(err error) {
	ps := Problems(err)
	if len(ps) == 0 {
		p.add(err)
		return
	}
	for _, e := range ps {
		p.add(e)
	}
}

// has reports whether a problem of field was recorded.
func (p *problems) has(field string) bool { return p.fields[field] }

func (p *problems) err() error {
	if len(p.errs) == 1 {
		return p.errs[0]
	}
	return errors.Join(p.errs...)
}

// Problems returns every *Error in err, in order: each of the problems
// joined in it (errors.Join, as a validation that checks several fields
// returns them), or the first *Error in its chain; nil when there is
// none. A wrapped join (fmt.Errorf("...: %w", joined)) is looked into.
func Problems(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}
