package addon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// DelegatedEnv is set in the environment of the full binary when kubectl-secure starts
// it, so that a full binary that lacks the add-on too (a broken install) reports the
// error instead of starting itself again.
const DelegatedEnv = "KUBECTL_SECURE_DELEGATED"

// Recorder reads through to an input and keeps what was read, so that a run handed over
// to the full binary gets standard input whole although the first process read part of
// it.
type Recorder struct {
	mu   sync.Mutex
	r    io.Reader
	read bytes.Buffer
}

// Record wraps r.
func Record(r io.Reader) *Recorder { return &Recorder{r: r} }

func (rec *Recorder) Read(p []byte) (int, error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.r == nil {
		return 0, io.EOF
	}
	n, err := rec.r.Read(p)
	rec.read.Write(p[:n])
	return n, err
}

// Replay returns the whole input: what was read so far, then the rest.
func (rec *Recorder) Replay() io.Reader {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.r == nil {
		return bytes.NewReader(rec.read.Bytes())
	}
	return io.MultiReader(bytes.NewReader(rec.read.Bytes()), rec.r)
}

// Locate finds the full binary: beside the running executable (after resolving the
// symlink krew puts on PATH, which points into krew's store where the archive's files
// are), then on PATH.
func Locate() (string, error) {
	name := FullBinary
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		candidate := filepath.Join(filepath.Dir(self), name)
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() {
			return candidate, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not installed beside this binary or on PATH (it comes in the release archive and with krew; from source: go install github.com/kubectl-secure/kubectl-secure/cmd/%s@latest)", name, FullBinary)
}

// Delegate runs the full binary with args, standard input in, and the same output
// streams, and returns its exit status. The missing error says what needed it when the
// full binary cannot run.
func Delegate(missing *MissingError, args []string, in io.Reader, out, errOut io.Writer) (int, error) {
	if os.Getenv(DelegatedEnv) != "" {
		return 0, fmt.Errorf("%w, but this is %s", missing, FullBinary)
	}
	bin, err := Locate()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", missing, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errOut
	cmd.Env = append(os.Environ(), DelegatedEnv+"=1")
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode(), nil
	default:
		return 0, fmt.Errorf("%w: running %s: %v", missing, bin, err)
	}
}
