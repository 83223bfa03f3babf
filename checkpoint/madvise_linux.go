package checkpoint

import "golang.org/x/sys/unix"

// madvPopulateRead populates page tables for reading (Linux ≥ 5.14).
const madvPopulateRead = unix.MADV_POPULATE_READ
