//go:build unix

package config

import (
	"io/fs"
	"os"
	"syscall"
)

// owner is the user ID that owns info's file.
func owner(info fs.FileInfo) (uid int, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// myUID is the user billctl runs as.
var myUID = os.Getuid
