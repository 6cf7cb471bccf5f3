package load

import (
	"syscall"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// readRegularFile reads a regular file of at most max bytes with four system calls (open,
// fstat, read, close). os.Stat plus os.ReadFile take eleven on Linux (a stat, the poller's
// fcntl and epoll registration, a second read to see the end), and on a repository of
// thousands of small files those calls cost more than parsing them. The file is opened
// non-blocking so that a FIFO is refused by fstat instead of blocking the open.
func readRegularFile(path string, max int64) ([]byte, *finding.InputError) {
	fail := func(err error) ([]byte, *finding.InputError) {
		return nil, &finding.InputError{File: path, Message: err.Error()}
	}
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return fail(err)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fail(err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &finding.InputError{File: path, Message: "not a regular file"}
	}
	if max > 0 && st.Size > max {
		return nil, tooLarge(path, st.Size, max)
	}
	// One byte more than the size: a read that does not fill the buffer has met the end.
	buf := make([]byte, st.Size+1)
	n := 0
	for {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return fail(err)
		}
		if m == 0 {
			break
		}
		n += m
		if max > 0 && int64(n) > max {
			return nil, tooLarge(path, int64(n), max)
		}
		if n == len(buf) { // the file grew while it was read
			buf = append(buf, make([]byte, len(buf))...)
		}
	}
	return buf[:n:n], nil
}
