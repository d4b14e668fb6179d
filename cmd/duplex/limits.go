package main

// defaultMaxConnections is the --max-connections default: the process's
// open-file limit (RLIMIT_NOFILE, which Go raises to its hard limit at
// start) less a tenth of it, at least 64, kept for the listener, the
// cluster's broker, refused handshakes and the second connection a
// long-polling client opens for its POSTs. Without a cap, 20,100
// WebSockets from one client took every descriptor (limit 20,000) and new
// users timed out instead of getting a 503. Zero where the limit cannot
// be read: no cap.
func defaultMaxConnections() int {
	n := openFileLimit()
	if n <= 0 {
		return 0
	}
	return max(n-max(64, n/10), 1)
}
