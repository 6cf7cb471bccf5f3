package hugeheap

import (
	"syscall"
	"unsafe"
)

// hugePage is the transparent huge page of x86-64 and of arm64 with 4 KiB pages; a range
// aligned to it is page-aligned for every base page size.
const hugePage = 2 << 20

// adviseBlock allocates size bytes, which the runtime maps without touching them, and
// advises huge pages for the aligned part. The advice belongs to the mapping, not to the
// allocation: it outlives the block. A kernel without transparent huge pages refuses the
// advice, and nothing changes.
func adviseBlock(size int) {
	block := make([]byte, size)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(block)))
	begin := (start + hugePage - 1) &^ (hugePage - 1)
	end := (start + uintptr(size)) &^ (hugePage - 1)
	if end > begin {
		_ = syscall.Madvise(block[begin-start:end-start], syscall.MADV_HUGEPAGE)
	}
}
