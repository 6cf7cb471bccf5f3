//go:build !linux

package hugeheap

// adviseBlock does nothing where there is no madvise(MADV_HUGEPAGE).
func adviseBlock(int) addrRange { return addrRange{} }

func unadvise(addrRange) {}
