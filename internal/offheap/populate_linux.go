package offheap

import "golang.org/x/sys/unix"

// populate is the mmap flag that faults a mapping in at once (Linux).
const populate = unix.MAP_POPULATE
