package buildinfo

import (
	"runtime"
	"testing"
)

func TestCode(t *testing.T) {
	for _, c := range []struct {
		info Info
		want string
	}{
		{Info{}, ""},
		{Info{VCSRevision: "1360d92c0ffee0123456789abcdef0123456789a"}, "1360d92"},
		{Info{VCSRevision: "1360d92c0ffee0123456789abcdef0123456789a", VCSModified: true}, "1360d92+modified"},
		{Info{VCSRevision: "abc"}, "abc"},
	} {
		if got := c.info.Code(); got != c.want {
			t.Errorf("%+v.Code() = %q, want %q", c.info, got, c.want)
		}
	}
}

// TestReadNamesToolchainAndPlatform: a test binary records no VCS data,
// but the toolchain and platform are always known.
func TestReadNamesToolchainAndPlatform(t *testing.T) {
	b := Read()
	if b.Go != runtime.Version() || b.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("Read() = %+v: want Go %s on %s/%s", b, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
}
