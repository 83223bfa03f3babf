//go:build unix && !linux

package offheap

// populate is 0 where mmap has no MAP_POPULATE.
const populate = 0
