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
// allocation: it outlives the block. It returns the range advised, as addresses that do
// not keep the block alive (empty when the kernel refused: one without transparent huge
// pages, where nothing changes).
func adviseBlock(size int) addrRange {
	block := make([]byte, size)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(block)))
	begin := (start + hugePage - 1) &^ (hugePage - 1)
	end := (start + uintptr(size)) &^ (hugePage - 1)
	if end <= begin || syscall.Madvise(block[begin-start:end-start], syscall.MADV_HUGEPAGE) != nil {
		return addrRange{}
	}
	return addrRange{begin, end}
}

// unadvise clears the advice of r. The heap's mappings are never unmapped, so the
// addresses still name the same mapping.
func unadvise(r addrRange) {
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r.begin, r.end-r.begin, syscall.MADV_NOHUGEPAGE)
}
