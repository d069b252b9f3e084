package gormdb

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/workflow"
)

// decodeMemo remembers what JSON texts decoded to, keyed by the text
// itself: a text always decodes to the same value, so an entry is never
// stale and nothing needs invalidating. Callers get a copy (clone) they
// may change. At most maxMemo entries are kept; when full it starts over.
type decodeMemo[T any] struct {
	parse func(text string) (T, error)
	clone func(T) T

	mu sync.RWMutex
	m  map[string]T
}

const maxMemo = 4096

func (c *decodeMemo[T]) decode(text string) (T, error) {
	c.mu.RLock()
	v, ok := c.m[text]
	c.mu.RUnlock()
	if ok {
		return c.clone(v), nil
	}
	v, err := c.parse(text)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxMemo {
		c.m = make(map[string]T)
	}
	c.m[strings.Clone(text)] = v // text may be a slice of a whole row's (decodeRow)
	c.mu.Unlock()
	return c.clone(v), nil
}

var recipientsMemo = &decodeMemo[[]workflow.Org]{
	parse: func(text string) ([]workflow.Org, error) {
		var rs []orgJSON
		if text != "" {
			if err := json.Unmarshal([]byte(text), &rs); err != nil {
				return nil, err
			}
		}
		var out []workflow.Org
		for _, o := range rs {
			out = append(out, workflow.Org(o))
		}
		return out, nil
	},
	clone: slices.Clone[[]workflow.Org],
}

var filesMemo = &decodeMemo[[]workflow.File]{
	parse: func(text string) ([]workflow.File, error) {
		var fs []fileJSON
		if text != "" {
			if err := json.Unmarshal([]byte(text), &fs); err != nil {
				return nil, err
			}
		}
		var out []workflow.File
		for _, f := range fs {
			out = append(out, f.toDomain())
		}
		return out, nil
	},
	clone: slices.Clone[[]workflow.File],
}

var layoutMemo = &decodeMemo[*workflow.Layout]{
	parse: func(text string) (*workflow.Layout, error) {
		l := &workflow.Layout{}
		if err := json.Unmarshal([]byte(text), l); err != nil {
			return nil, err
		}
		return l, nil
	},
	clone: cloneLayout,
}

// reasonsMemo keeps "null" (nil) and "[]" (empty) apart, as Unmarshal does.
var reasonsMemo = &decodeMemo[[]string]{
	parse: func(text string) ([]string, error) {
		var rs []string
		if text != "" {
			if err := json.Unmarshal([]byte(text), &rs); err != nil {
				return nil, err
			}
		}
		return rs, nil
	},
	clone: slices.Clone[[]string],
}

func cloneLayout(l *workflow.Layout) *workflow.Layout {
	if l == nil {
		return nil
	}
	box := func(b *workflow.Box) *workflow.Box {
		if b == nil {
			return nil
		}
		c := *b
		return &c
	}
	return &workflow.Layout{Signature: box(l.Signature), Number: box(l.Number), Date: box(l.Date), NumberOnly: l.NumberOnly,
		DateBlanks: slices.Clone(l.DateBlanks), DateBlanksBelow: slices.Clone(l.DateBlanksBelow), DateShortYear: l.DateShortYear, Source: l.Source, Notes: slices.Clone(l.Notes)}
}
