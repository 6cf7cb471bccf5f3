// Package hugeheap asks the kernel to back the Go heap of a large run with transparent
// huge pages.
//
// A lint run is short and allocates most of its memory fresh: parse trees, file contents,
// findings. Every first touch of a 4 KiB page is a page fault, and on a virtual machine a
// page fault is expensive: on the CI machine they took a sixth of a corpus run's CPU time,
// more than the YAML parser. Linux backs memory with 2 MiB pages, one fault each, where
// the process asks for them (madvise MADV_HUGEPAGE) unless huge pages are disabled
// system-wide; most distributions ship that "madvise" mode, and the Go runtime no longer
// asks by itself. The README's speed section has what it gains.
package hugeheap

import (
	"os"
	"strings"
	"sync"
)

// Size is how much of the heap is advised: more than a plain run's soft memory limit (120
// MiB, pkg/pipeline), so that the whole heap of such a run is in it. The memory is only
// reserved: the kernel backs what the run touches, nothing else.
const Size = 128 << 20

// Advise maps Size bytes of heap and advises huge pages for them. The block is garbage at
// once; the runtime's next collection frees it, and the allocations after that find its
// pages first (the page allocator fills the lowest free addresses), huge. It costs about
// 2 ms, which pays only on a run that allocates tens of megabytes: callers decide.
// GODEBUG=disablethp=1, the Go runtime's own switch against huge pages, turns it off.
// Only the first call does anything: the advice stays with the mapping, and a second block
// would come from memory the process already touched, which the runtime must zero.
func Advise() {
	once.Do(func() {
		if !strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
			mu.Lock()
			advised = adviseBlock(Size)
			mu.Unlock()
		}
	})
}

// Withdraw takes the advice back, for a run that turns out to keep much of what it
// allocates: Kustomize builds. Their heap outgrows Size and is mostly long-lived, and
// there huge pages raised the peak memory by a quarter for a tenth of the time. Pages
// already faulted stay as they are.
func Withdraw() {
	mu.Lock()
	defer mu.Unlock()
	if advised.end > advised.begin {
		unadvise(advised)
		advised = addrRange{}
	}
}

// The advice is a property of the process's memory mappings, which are process-wide too:
// this state only mirrors it.
var (
	once    sync.Once
	mu      sync.Mutex
	advised addrRange
)

// addrRange is a range of addresses, [begin, end).
type addrRange struct{ begin, end uintptr }
