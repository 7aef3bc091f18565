package main

// The lab's body pattern: byte i is i % 251 (harness/files/body-check.ts).

// fillPattern writes the pattern for body offsets offset.. into b.
func fillPattern(b []byte, offset int64) {
	v := byte(offset % 251)
	for i := range b {
		b[i] = v
		v++
		if v == 251 {
			v = 0
		}
	}
}

// patternChecker checks a body against the pattern as it streams in.
type patternChecker struct {
	offset   int64
	verified int64
	mismatch int64 // first wrong offset, -1 when none
}

func newPatternChecker(start int64) *patternChecker {
	return &patternChecker{offset: start, mismatch: -1}
}

func (c *patternChecker) write(b []byte) {
	v := byte(c.offset % 251)
	for i, got := range b {
		if c.mismatch < 0 {
			if got != v {
				c.mismatch = c.offset + int64(i)
			} else {
				c.verified++
			}
		}
		v++
		if v == 251 {
			v = 0
		}
	}
	c.offset += int64(len(b))
}
