package verify

// Certification signatures (ISO 32000-1 12.8.2.2, Table 254): a signature
// dictionary whose /Reference names the DocMDP transform certifies the
// document and says, by /P, which later changes it permits:
//
//   - P=1: none; any change invalidates the certification. Validation
//     data (/DSS) and document time-stamps are not changes (ISO 32000-2
//     12.8.2.2.2; PAdES): they stay allowed;
//   - P=2: form filling, page templates and signing; an annotation added
//     or changed invalidates it;
//   - P=3: P=2 plus annotations (the general rules apply).
//
// Without this, a document certified "no changes" (iText's
// CERTIFIED_NO_CHANGES_ALLOWED) and then signed by someone else was
// reported valid, as pdfsig and pdfcpu also report it.

// docMDP is the DocMDP permission the signature dictionary d declares
// (1, 2 or 3), or 0 when it is not a certification signature. A
// /TransformParams without a valid /P means 2, its default.
func docMDP(st *state, d dict) int {
	refs, _ := st.resolve(d["Reference"]).([]object)
	for _, r := range refs {
		rd := st.dictOf(r)
		if asName(st.resolve(rd["TransformMethod"])) != "DocMDP" {
			continue
		}
		if p, ok := asInt(st.resolve(st.dictOf(rd["TransformParams"])["P"])); ok && p >= 1 && p <= 3 {
			return int(p)
		}
		return 2
	}
	return 0
}

// applyDocMDP makes the later changes that certification permission p
// does not permit invalid; they make one error per permission level.
func applyDocMDP(p int, changes []Change) {
	for i := range changes {
		c := &changes[i]
		if c.mdpFree {
			continue
		}
		switch {
		case p == 1:
			c.Detail = "the document was certified with no changes allowed (DocMDP P=1), yet a later update added or changed signatures, form fields or annotations"
		case p == 2 && c.Kind == KindAnnotation && (c.Allowed || c.Verdict == Indeterminate):
			c.Detail = "the document was certified allowing only form filling and signing (DocMDP P=2), yet a later update added or changed annotations"
		default:
			continue
		}
		c.Allowed, c.Verdict, c.approvedBy, c.group = false, Invalid, 0, c.Detail
	}
}

// mdpFree says whether change ch to object num is one that a DocMDP
// certification permits at every level: bookkeeping (validation data,
// the form and catalog entries, metadata, structure: what they add is
// judged by the objects they add), a page's /Annots array, and the
// signature, field and appearance of a document time-stamp. Page content
// and other forbidden changes are invalid anyway.
func (c *updateCtx) mdpFree(num int, ch Change) bool {
	switch ch.Kind {
	case KindSignature, KindWidget, KindAnnotation, KindAppearance:
	default:
		return true
	}
	if c.o.annotsArrays[num] || c.n.annotsArrays[num] || c.docTS[num] {
		return true
	}
	if c.docTS[refNum(c.newS.dictOf(ref{num, 0})["V"])] {
		return true
	}
	u, used := c.n.annotUse[num]
	return used && c.docTS[refNum(c.newS.dictOf(ref{u, 0})["V"])]
}
