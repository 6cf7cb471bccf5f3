//go:build unix

package fix

import (
	"io/fs"
	"os"
	"syscall"
)

// noFollow makes open fail on a symlink instead of following it, and never block on a
// FIFO that replaced a file.
const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// ownerOf returns the owner of a file as os.Lstat describes it.
func ownerOf(info fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

// linkCount returns how many names the file has.
func linkCount(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// keepsOwners reports whether this process can give a file any owner (it runs as root),
// so that a replaced file keeps its owner.
func keepsOwners() bool { return os.Geteuid() == 0 }
