package hugeheap

import (
	"bufio"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestAdviseMarksHeapMapping: after Advise a mapping of the process carries the kernel's
// "hg" flag (VM_HUGEPAGE), which is what makes its page faults map huge pages.
func TestAdviseMarksHeapMapping(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("this kernel has no transparent huge pages, or has them disabled: nothing to advise")
	}
	before := advisedMappings(t)
	once = sync.Once{} // each test advises its own block
	Advise()
	if n := advisedMappings(t); n <= before {
		t.Fatalf("%d mappings advised for huge pages after Advise, %d before", n, before)
	}
	// The block is garbage: allocating after it works as before.
	data := make([][]byte, 0, 1024)
	for i := 0; i < cap(data); i++ {
		data = append(data, make([]byte, 64<<10))
	}
}

func TestAdviseRespectsDisableTHP(t *testing.T) {
	t.Setenv("GODEBUG", "disablethp=1")
	once = sync.Once{}
	before := advisedMappings(t)
	Advise()
	if after := advisedMappings(t); after != before {
		t.Fatalf("GODEBUG=disablethp=1: advised mappings went from %d to %d", before, after)
	}
}

func TestWithdraw(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	before := advisedMappings(t)
	once = sync.Once{}
	Advise()
	if advisedMappings(t) == before {
		t.Skip("the advice did not take (huge pages disabled)")
	}
	Withdraw()
	if n := advisedMappings(t); n != before {
		t.Fatalf("%d mappings advised after Withdraw, %d before Advise", n, before)
	}
	Withdraw() // twice is harmless
}

// advisedMappings counts the mappings whose VmFlags hold "hg".
func advisedMappings(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if flags, ok := strings.CutPrefix(sc.Text(), "VmFlags:"); ok {
			for _, fl := range strings.Fields(flags) {
				if fl == "hg" {
					n++
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading /proc/self/smaps: %v", err)
	}
	return n
}
