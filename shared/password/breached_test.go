package password

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/text/unicode/norm"
)

var updateBreached = flag.Bool("update-breached", false, "rewrite breached.txt.gz from github.com/trustelem/zxcvbn's frequency lists")

// breachedSource is breached.txt.gz's content made from the zxcvbn lists:
// every entry of every list, folded as Check folds a password (NFKC, lower
// case), without duplicates, sorted byte-wise, one a line, under a header.
func breachedSource() []byte {
	seen := map[string]bool{}
	var all []string
	for _, list := range frequency.FrequencyLists {
		for _, e := range list {
			f := strings.ToLower(norm.NFKC.String(e))
			if f != "" && !seen[f] && !strings.ContainsAny(f, "\n#") {
				seen[f] = true
				all = append(all, f)
			}
		}
	}
	slices.Sort(all)
	var b bytes.Buffer
	b.WriteString("# Breached and dictionary passwords: every entry of the frequency lists of\n")
	b.WriteString("# github.com/trustelem/zxcvbn v1.0.1 (MIT; from zxcvbn by Dropbox, MIT: passwords,\n")
	b.WriteString("# english_wikipedia, us_tv_and_film, surnames, male_names, female_names),\n")
	b.WriteString("# NFKC-normalised, lower-cased, deduplicated, sorted byte-wise. Regenerate with\n")
	b.WriteString("# go test ./shared/password -run TestBreachedListIsZxcvbns -update-breached\n")
	for _, e := range all {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestBreachedListIsZxcvbnsFrequencyLists(t *testing.T) {
	want := breachedSource()
	if *updateBreached {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(want)
		w.Close()
		if err := os.WriteFile("breached.txt.gz", z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := gunzip(breachedGz)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("breached.txt.gz is not the zxcvbn lists; rerun with -update-breached")
	}
	if n := len(breached()); n < 80000 {
		t.Errorf("%d entries", n)
	}
}

func TestBreachedPasswordsAreRefusedWholeOrWithoutSpaces(t *testing.T) {
	for _, pw := range []string{"INTERNATIONAL", "Constantinople", "business people", "Inter Personal", "disproportionately", "zxcvbnm123456789"} {
		if p := Check("password", pw); len(p) != 1 || p[0].Message != msgCommon {
			t.Errorf("%q: %v, want too common", pw, p)
		}
	}
	for _, pw := range []string{"correct horse battery staple", "a different long passphrase", "violet staple orbit lantern", "a new long passphrase nobody guesses"} {
		if p := Check("password", pw); p != nil {
			t.Errorf("%q refused: %v", pw, p)
		}
	}
}

// BenchmarkBreachedLookup is what the corpus adds to a password check: a
// binary search of the whole password and of its spaceless form.
func BenchmarkBreachedLookup(b *testing.B) {
	breached()
	for b.Loop() {
		inBreached("a passphrase of my own making")
	}
}

// BenchmarkBreachedLoad is the one-time cost of the first check in a
// container: decompressing and splitting the corpus.
func BenchmarkBreachedLoad(b *testing.B) {
	for b.Loop() {
		if _, err := loadBreached(); err != nil {
			b.Fatal(err)
		}
	}
}
