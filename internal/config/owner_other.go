//go:build !unix

package config

import "io/fs"

// Ownership is not checked where files have no Unix owner (Windows: the
// user's profile directory is private by its ACL).
func owner(fs.FileInfo) (int, bool) { return 0, false }

func myUID() int { return -1 }
