package password

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"strings"
	"sync"
)

// breachedGz is the breached-password corpus (decision 017): every entry
// of zxcvbn's frequency lists (the 30,000 most common passwords of leaked
// sets, and the English words, film and TV titles, surnames and names
// people build passwords from), folded as Check folds, gzipped. Its header
// names the source and licence; a test holds it to the zxcvbn package.
//
//go:embed breached.txt.gz
var breachedGz []byte

// breached returns the corpus, sorted for binary search, decompressed on
// the first check in a container rather than at start-up (a few
// milliseconds that a function's cold start should not pay for routes
// that never see a password), then only ever read.
var breached = sync.OnceValue(func() []string {
	list, err := loadBreached()
	if err != nil {
		panic("password: the embedded corpus is corrupt: " + err.Error()) // a build defect, caught by the tests
	}
	return list
})

func loadBreached() ([]string, error) {
	txt, err := gunzip(breachedGz)
	if err != nil {
		return nil, err
	}
	return parseCommon(string(txt)), nil
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// inBreached reports whether folded, as a whole or without its spaces
// ("breakfast at tiffanys"), is in the corpus. Only whole passwords are
// matched: a passphrase that contains a listed word is not refused for it
// (decision 017).
func inBreached(folded string) bool {
	list := breached()
	return listed(list, folded) || strings.Contains(folded, " ") && listed(list, strings.ReplaceAll(folded, " ", ""))
}
