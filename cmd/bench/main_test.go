package main

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
	"time"
)

func TestZipPackageHoldsAnExecutableBootstrap(t *testing.T) {
	bin := bytes.Repeat([]byte("not really a binary "), 1000)
	pkg, err := zipPackage(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg) >= len(bin) {
		t.Fatalf("package of %d compressible bytes is %d bytes: not deflated", len(bin), len(pkg))
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("package holds %d files, want only bootstrap", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || f.Mode().Perm()&0o111 == 0 {
		t.Fatalf("package holds %q mode %v; Lambda needs an executable bootstrap", f.Name, f.Mode())
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, bin) {
		t.Fatalf("bootstrap does not round-trip (err %v)", err)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var sorted []time.Duration
	for i := 1; i <= 20; i++ {
		sorted = append(sorted, ms(i))
	}
	for _, tc := range []struct {
		p    int
		want time.Duration
	}{{50, ms(10)}, {95, ms(19)}, {100, ms(20)}, {1, ms(1)}, {0, ms(1)}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("p%d = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile([]time.Duration{ms(7)}, 95); got != ms(7) {
		t.Errorf("p95 of one = %v, want 7ms", got)
	}
}

func TestRunRejectsMissingBootstraps(t *testing.T) {
	err := run(t.Context(), []string{"-build", t.TempDir(), "-host", t.TempDir(), "-starts", "1"}, io.Discard)
	if err == nil {
		t.Fatal("run with no built bootstraps succeeded")
	}
}
