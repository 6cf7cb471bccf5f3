//go:build !unix

package fix

import "io/fs"

const noFollow = 0

func ownerOf(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }

func linkCount(fs.FileInfo) uint64 { return 1 }

func keepsOwners() bool { return false }
